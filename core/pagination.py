from rest_framework.pagination import LimitOffsetPagination


class JukePagination(LimitOffsetPagination):
    """Limit/offset pages of PAGE_SIZE (20) by default. A larger `limit` than 500 is served as 500: one request
    must not be able to ask for a whole million-row table."""

    max_limit = 500
