"""Receiving activities: the POST inbox, signature and origin checks, the durable queue.

Modules: ``view`` (the routes), ``verify`` (HTTP signatures with cached keys),
``origin`` (FEP-fe34 origin rules), ``writer`` (group commit and deduplication),
``keys`` (parsed public keys in memory), ``worker`` (processing the queue).
This package module imports nothing so that ``node.appkeys`` can name its classes.
"""
