"""The readers-writer lock every search takes (`vectorizer.locks`)."""

from __future__ import annotations

import threading
import time

from vectorizer.locks import RWLock


def test_readers_share_and_a_writer_is_alone() -> None:
    lock = RWLock()
    inside: list[str] = []
    with lock.gen_rlock(), lock.gen_rlock():  # two readers at once (no writer waits)
        inside.append("readers")
    done = threading.Event()

    def write() -> None:
        with lock.gen_wlock():
            inside.append("writer")
        done.set()

    lock.acquire_read()
    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.05)
    assert not done.is_set()  # the writer waits for the reader
    lock.release_read()
    writer.join(5)
    assert inside == ["readers", "writer"]


def test_a_waiting_writer_goes_before_new_readers() -> None:
    lock = RWLock()
    order: list[str] = []
    lock.acquire_read()

    def write() -> None:
        with lock.gen_wlock():
            order.append("writer")

    def read() -> None:
        with lock.gen_rlock():
            order.append("reader")

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 5
    while not lock._writers_waiting and time.monotonic() < deadline:  # the writer waits
        time.sleep(0.001)
    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.05)
    assert order == []  # the new reader queues behind the writer
    lock.release_read()
    writer.join(5)
    reader.join(5)
    assert order == ["writer", "reader"]


def test_acquire_and_release_by_hand() -> None:
    lock = RWLock()
    side = lock.gen_wlock()
    side.acquire()
    got = threading.Event()
    reader = threading.Thread(target=lambda: (lock.acquire_read(), got.set()))
    reader.start()
    assert not got.wait(0.05)
    side.release()
    assert got.wait(5)
    lock.release_read()
