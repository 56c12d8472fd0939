"""The resource modules whose declarations make up the endpoint registry, in document order.

A new collection is added here, once; its endpoints are declared next to its resource class.
"""

from resources import auth, discovery, explorer, health, openapi, schemas, types, users

RESOURCE_MODULES = (discovery, health, auth, users, types, schemas, openapi, explorer)
