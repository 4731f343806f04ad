"""descend's warning filters come and go without touching the rest of the process's list (warnings.catch_warnings
put back a copy of the whole list, and two searches in two threads left descend's filters in it for good)."""

from __future__ import annotations

import threading
import warnings

from descend._quiet import ignoring


def test_overlapping_blocks_in_two_threads_leave_the_filters_as_they_were():
    before = list(warnings.filters)
    entered, release = threading.Barrier(2), threading.Event()

    def search():  # another search's block, begun before this thread's and ended after it
        with ignoring("Heartbeat of storage is supposed"):
            entered.wait(5)
            release.wait(5)

    one = threading.Thread(target=search)
    one.start()
    with ignoring("Heartbeat of storage is supposed", "Clip non-finite values"):
        entered.wait(5)
        warnings.filterwarnings("ignore", message="the user's own")  # the user's filter, added meanwhile
        mine = warnings.filters[0]
    release.set()
    one.join()
    assert warnings.filters == [mine, *before]  # descend's taken out, the user's kept
    warnings.filters.remove(mine)
    assert warnings.filters == before


def test_a_warning_is_ignored_inside_and_shown_after():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ignoring("Clip non-finite", category=UserWarning):
            warnings.warn("Clip non-finite values to the worst finite value.")
            warnings.warn("another warning")
        warnings.warn("Clip non-finite values to the worst finite value.")
    assert [str(w.message) for w in caught] == ["another warning",
                                                "Clip non-finite values to the worst finite value."]
