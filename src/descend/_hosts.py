"""Which requests descend's local web servers (``descend play``, ``descend dashboard``) answer: the one place that
decides which ``Host`` names are this machine's loopback names, and which requests come from another site.

Each server turns a refusal into its own framework's answer: HTTP 400 for a foreign ``Host`` (a web page whose own
name was made to resolve to 127.0.0.1, "DNS rebinding"), HTTP 403 for a request sent by another site's page."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

#: The names a server on a loopback address answers to (any port): a request naming another host is refused.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine's loopback: ``localhost``, 127.0.0.0/8 or
    ::1 (``--host 127.0.0.2`` is as private as 127.0.0.1).

    >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "0.0.0.0", "192.168.1.5", "example.org")]
    [True, True, True, False, False, False]
    """
    if host.strip().lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The host name of an HTTP ``Host`` header, without its port; an IPv6 address without brackets.

    >>> host_name("localhost:8000"), host_name("[::1]:8000"), host_name("127.0.0.1"), host_name("[::1]")
    ('localhost', '::1', '127.0.0.1', '::1')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def foreign_host(host: str, server: str) -> str | None:
    """Why a server on a loopback address refuses (HTTP 400) a request whose ``Host`` header is ``host``: ``None``
    when it names ``localhost`` or a loopback address (:func:`is_loopback`), with any port.

    >>> foreign_host("localhost:8000", "this playground") is None
    True
    >>> foreign_host("evil.example:8000", "this playground")
    "this playground answers only at localhost or 127.0.0.1, not at 'evil.example'"
    """
    name = host_name(host)
    if is_loopback(name):
        return None
    return f"{server} answers only at localhost or 127.0.0.1, not at {name or 'no host'!r}"


def cross_site(host: str, origin: str | None, fetch_site: str | None, server: str, scheme: str = "http",
               fetch_mode: str | None = None, path: str = "/") -> str | None:
    """Why a server refuses (HTTP 403) a request sent by another site's page: its ``Sec-Fetch-Site`` header
    (``fetch_site``, which browsers send with every request, an image's included) is ``cross-site``, or
    ``same-site`` (a page served from another port of this machine: browsers ignore the port when they name a
    site, and send an image's request with no ``Origin``) unless it opens a page (``Sec-Fetch-Mode: navigate``, a
    link from a notebook on another port; not an answer under ``/api/``, which a hidden frame would make train), or
    its ``Origin`` header is present and is not the server's own origin
    (``scheme://HOST``, ``HOST`` the request's ``Host`` header with its port). ``None`` for the server's own pages
    and for a request from no page (curl, Python, an address typed in the browser).

    >>> cross_site("127.0.0.1:8000", "http://127.0.0.1:8000", "same-origin", "this playground") is None
    True
    >>> cross_site("127.0.0.1:8000", None, None, "this playground") is None
    True
    >>> cross_site("127.0.0.1:8000", None, "cross-site", "this playground")
    'this playground answers only its own pages, not a request sent by another site (Sec-Fetch-Site: cross-site)'
    >>> cross_site("127.0.0.1:8000", None, "same-site", "this playground", fetch_mode="no-cors")
    'this playground answers only its own pages, not a request sent by another site (Sec-Fetch-Site: same-site)'
    >>> cross_site("127.0.0.1:8000", None, "same-site", "this playground", fetch_mode="navigate") is None
    True
    >>> cross_site("127.0.0.1:8000", "https://evil.example", None, "this playground")
    "this playground answers only its own pages, not a request sent by 'https://evil.example'"
    """
    site = (fetch_site or "").strip().lower()
    opens_a_page = (fetch_mode or "").strip().lower() == "navigate" and not path.startswith("/api/")
    if site == "cross-site" or site == "same-site" and not opens_a_page:
        return f"{server} answers only its own pages, not a request sent by another site (Sec-Fetch-Site: {site})"
    if origin is not None and origin.strip().lower() != f"{scheme}://{host.strip()}".lower():
        return f"{server} answers only its own pages, not a request sent by {origin.strip()[:100]!r}"
    return None


def refusal(headers: Callable[[str], str | None], *, loopback_only: bool, server: str,
            scheme: str = "http", path: str = "/") -> tuple[int, str] | None:
    """The HTTP status and message with which a server refuses a request (``None``: it answers it):
    :func:`foreign_host` (400) when ``loopback_only``, then :func:`cross_site` (403). ``headers``: a request
    header's value by its lower-case name, ``None`` when absent."""
    host = headers("host") or ""
    if loopback_only and (why := foreign_host(host, server)):
        return 400, why
    if why := cross_site(host, headers("origin"), headers("sec-fetch-site"), server, scheme, headers("sec-fetch-mode"),
                         path):
        return 403, why
    return None
