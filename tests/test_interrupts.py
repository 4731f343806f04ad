"""descend._interrupts: Ctrl-C held back while a block runs whole, left alone where the process ignores it, and
SIGTERM and SIGHUP taken as Ctrl-C by the descend program."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from descend import _interrupts


@pytest.fixture
def handlers():
    """The test process's handlers of SIGINT, SIGTERM and SIGHUP, put back afterwards."""
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for number, handler in kept.items():
        signal.signal(number, handler)


def test_a_ctrl_c_during_the_block_is_acted_on_after_it(handlers):
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with _interrupts.interrupt_after():
            signal.raise_signal(signal.SIGINT)
            ran.append("whole")
    assert ran == ["whole"]


def test_where_ctrl_c_is_ignored_nothing_is_installed_and_nothing_noted(handlers):
    """A job a script starts in the background ignores Ctrl-C so that the script's own spares it: descend installed
    its handlers anyway, and a Ctrl-C stopped the job (a comparison marked interrupted with none cut short)."""
    from descend import _forked
    from descend.tune.api import _Interrupt

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    assert _interrupts.ctrl_c_ignored()
    with _interrupts.interrupt_after(act=False) as caught:
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        signal.raise_signal(signal.SIGINT)
    assert caught == []
    stop = threading.Event()
    with _Interrupt(stop):
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        signal.raise_signal(signal.SIGINT)
    assert not stop.is_set()
    child = _forked.Child(lambda send: 1)
    try:
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        child.release()
        child.result(lambda event: None)
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_sigterm_and_sighup_are_taken_as_ctrl_c_and_an_ignored_one_stays_ignored(handlers):
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # nohup
    _interrupts.stops_as_ctrl_c()
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the relayed SIGINT is acted on at the next instructions
            pass
    # held back like Ctrl-C inside a block that must run whole
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with _interrupts.interrupt_after():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):
                pass
            ran.append("whole")
    assert ran == ["whole"]


def test_where_ctrl_c_is_ignored_sigterm_and_sighup_still_stop_as_ctrl_c(handlers):
    """A job a script started in the background ignores Ctrl-C: SIGTERM and SIGHUP took their default action there
    (the process ended with nothing written: a comparison's training lost, a search's cohort left running in its
    study). Ctrl-C itself stays ignored until one of them comes."""
    for sent in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(sent, signal.SIG_DFL)
        _interrupts.stops_as_ctrl_c()
        os.kill(os.getpid(), signal.SIGINT)  # the script's own Ctrl-C
        for _ in range(1000):
            pass
        assert _interrupts.ctrl_c_ignored()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), sent)
            for _ in range(1000):  # the relayed SIGINT is acted on at the next instructions
                pass


def test_a_child_of_a_process_that_ignores_ctrl_c_is_stopped_by_its_parent(handlers):
    """The training's second process ignores Ctrl-C as its parent does; told to stop with SIGINT, it trained its
    groups to their end (2 minutes after a SIGTERM the parent took in a second). It stops on SIGTERM now, the
    terminal's Ctrl-C still ignored."""
    import time

    from descend import _forked

    def work(send):
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.01)
            return "trained to the end"
        except KeyboardInterrupt:
            return "stopped"

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = _forked.Child(work)
    child.release()
    time.sleep(0.5)
    os.kill(child.pid, signal.SIGINT)  # the terminal's Ctrl-C
    time.sleep(0.5)
    child.interrupt()
    started = time.monotonic()
    assert child.result(lambda event: None) == (True, "stopped")
    assert time.monotonic() - started < 30


def test_a_fork_of_a_process_with_threads_warns_no_user(monkeypatch):
    """Python 3.12+ warns at every os.fork of a process with threads (DeprecationWarning, "may lead to deadlocks in
    the child"), pointing into descend: a user's test suite showed it in its summary for every comparison. The
    child takes none of the other threads' locks (one intra-op thread, no terminal, os._exit): the warning is
    left out where descend forks, and no other warning is. (Played here on any Python: the fork warns as 3.12's.)"""
    import warnings

    from descend import _forked

    real_fork = os.fork

    def warning_fork():
        warnings.warn(f"This process (pid={os.getpid()}) is multi-threaded, use of fork() may lead to deadlocks in "
                      "the child.", DeprecationWarning, stacklevel=2)
        return real_fork()

    monkeypatch.setattr(os, "fork", warning_fork)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        child = _forked.Child(lambda send: 41 + 1)
        child.release()
        assert child.result(lambda event: None) == (True, 42)  # (whether it came, the result)
    with pytest.warns(UserWarning, match="another warning"):  # only that one is left out
        monkeypatch.setattr(os, "fork", lambda: warnings.warn("another warning") or real_fork())
        child = _forked.Child(lambda send: 1)
        child.release()
        child.result(lambda event: None)
