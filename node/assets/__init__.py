"""The pool's shared assets: the asset register (each purchase booked in the ledger) and the
members' bookings of assets for their use (docs/GOVERNANCE.md, "Shared assets in the node")."""

from node.assets.register import AssetRequest, asset_of, assets, hand_over, register_asset

__all__ = ["AssetRequest", "asset_of", "assets", "hand_over", "register_asset"]
