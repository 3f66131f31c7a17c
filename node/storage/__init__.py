"""The node's storage layer: every SQL statement of the node lives in this package.

`Database` owns the connection and the schema; one repository class per area
(actors, tokens, objects and collections, ...) holds that area's queries. Keep the
SQL portable (no SQLite-only syntax where standard SQL costs nothing): a PostgreSQL
backend will implement the same interface.
"""

from node.storage.actors import ActorRecord, ActorStore, Membership
from node.storage.assets import AssetStore, Handover, NewAsset, PurchaseEntry, StoredAsset
from node.storage.ballot_sequences import BallotSequences
from node.storage.blocks import BlockLogEntry, BlockRow, BlockStore, block_keys
from node.storage.bookings import BookingStore, NewBooking, StoredBooking
from node.storage.budget import BudgetStore, StoredAllocation, StoredBucket
from node.storage.bylaws_versions import BylawsVersion, BylawsVersionStore
from node.storage.capital_calls import CallStore, StoredCall
from node.storage.database import Database, SchemaTooNew, StorageError
from node.storage.deliveries import (
    ClaimedDelivery,
    DeliveryResult,
    DeliveryStore,
    DeliveryTarget,
    HostRecord,
    HostSummary,
)
from node.storage.discussions import (
    DiscussionStore,
    ModerationEntry,
    NewComment,
    StoredComment,
    StoredDiscussion,
)
from node.storage.floods import (
    FloodLink,
    FloodStore,
    StoredAttestation,
    StoredFloodProposal,
    StoredFloodShare,
)
from node.storage.follows import Follow, FollowStore
from node.storage.governance import (
    GovernanceStore,
    StoredBallot,
    StoredEntry,
    StoredProposal,
)
from node.storage.idempotency import IdempotencyRecord, IdempotencyStore
from node.storage.inbox import InboxItem, InboxRow, InboxStore, ReceivedObjectStore
from node.storage.invitations import Invitation, InvitationStore, InvitationUse
from node.storage.mail import MailJob, MailStore
from node.storage.member_classes import ClassChange, MemberClassStore
from node.storage.notification_sources import EventRow, NotificationSources
from node.storage.notifications import (
    NewNotification,
    NotificationStore,
    RemoteNotice,
    StoredNotification,
)
from node.storage.objects import CollectionPage, ObjectStore, StoredObject
from node.storage.remote_actors import RemoteActor, RemoteActorStore
from node.storage.remote_results import RemoteDocument, RemoteRecount, RemoteResultStore
from node.storage.shares import (
    EntryRow,
    MembershipRow,
    ShareEventRow,
    ShareStore,
    StoredPatronage,
)
from node.storage.tokens import TokenRecord, TokenStore
from node.storage.web import WebSession, WebStore
from node.storage.witness import (
    StoredAlarm,
    StoredHeadAttestation,
    StoredRecountReport,
    WitnessLink,
    WitnessStore,
)

__all__ = [
    "ActorRecord",
    "ActorStore",
    "AssetStore",
    "BallotSequences",
    "BlockLogEntry",
    "BlockRow",
    "BlockStore",
    "BookingStore",
    "BudgetStore",
    "BylawsVersion",
    "BylawsVersionStore",
    "CallStore",
    "ClaimedDelivery",
    "ClassChange",
    "CollectionPage",
    "Database",
    "DeliveryResult",
    "DeliveryStore",
    "DeliveryTarget",
    "DiscussionStore",
    "EntryRow",
    "EventRow",
    "FloodLink",
    "FloodStore",
    "Follow",
    "FollowStore",
    "GovernanceStore",
    "Handover",
    "HostRecord",
    "HostSummary",
    "IdempotencyRecord",
    "IdempotencyStore",
    "InboxItem",
    "InboxRow",
    "InboxStore",
    "Invitation",
    "InvitationStore",
    "InvitationUse",
    "MailJob",
    "MailStore",
    "MemberClassStore",
    "Membership",
    "MembershipRow",
    "ModerationEntry",
    "NewAsset",
    "NewBooking",
    "NewComment",
    "NewNotification",
    "NotificationSources",
    "NotificationStore",
    "ObjectStore",
    "PurchaseEntry",
    "ReceivedObjectStore",
    "RemoteActor",
    "RemoteActorStore",
    "RemoteDocument",
    "RemoteNotice",
    "RemoteRecount",
    "RemoteResultStore",
    "SchemaTooNew",
    "ShareEventRow",
    "ShareStore",
    "StorageError",
    "StoredAlarm",
    "StoredAllocation",
    "StoredAsset",
    "StoredAttestation",
    "StoredBallot",
    "StoredBooking",
    "StoredBucket",
    "StoredCall",
    "StoredComment",
    "StoredDiscussion",
    "StoredEntry",
    "StoredFloodProposal",
    "StoredFloodShare",
    "StoredHeadAttestation",
    "StoredNotification",
    "StoredObject",
    "StoredPatronage",
    "StoredProposal",
    "StoredRecountReport",
    "TokenRecord",
    "TokenStore",
    "WebSession",
    "WebStore",
    "WitnessLink",
    "WitnessStore",
    "block_keys",
]
