from rest_framework.pagination import LimitOffsetPagination


class JukePagination(LimitOffsetPagination):
    """Limit/offset pages of 20 by default. A larger `limit` than 500 is served as 500: one request must not
    be able to ask for a whole million-row table."""

    default_limit = 20
    max_limit = 500
