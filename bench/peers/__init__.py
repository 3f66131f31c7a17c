"""The peer comparison (``python -m bench.peers``): the signed-inbox load of benchmark 1 against
a bare aiohttp app, poolnode, Fedify and bovine-herd. Optional: not in ``make test`` or
``make bench``; scripts/peers-deps.sh installs the peers into this directory."""
