"""poolnode: the node that lets a group run itself as a co-op, one person one vote."""

__version__ = "0.1.0"
