"""The resource modules whose declarations make up the endpoint registry, in document order.

A new collection is added here, once; its endpoints are declared next to its resource class.
"""

from resources import (
    activation_codes,
    auth,
    comments,
    discovery,
    email_changes,
    explorer,
    flair,
    forgot_password,
    group_statistics,
    groups,
    health,
    log_feed,
    logs,
    memberships,
    notifications,
    openapi,
    range_view,
    schemas,
    teams,
    types,
    user_activity,
    users,
)

RESOURCE_MODULES = (
    discovery,
    health,
    auth,
    users,
    email_changes,
    user_activity,
    types,
    logs,
    comments,
    log_feed,
    range_view,
    notifications,
    flair,
    groups,
    group_statistics,
    schemas,
    openapi,
    explorer,
    memberships,
    teams,
    activation_codes,
    forgot_password,
)
