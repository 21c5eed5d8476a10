"""Cursor pagination for every list (R94): ``?cursor=`` from the previous page's ``next``, and
``page_size`` up to 100. Ordered by primary key, so a row added while a client pages through a
list neither repeats nor hides another, and each page is one index range scan."""

from functools import partial

from ninja.pagination import CursorPagination, paginate

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

paginated = partial(paginate, CursorPagination, ordering=("pk",), page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
newest_first = partial(paginate, CursorPagination, ordering=("-pk",), page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
