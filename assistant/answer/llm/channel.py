"""A producer run in a worker thread, its items handed to the consumer through a queue.

Used twice: for a model's streamed reply (so that no server, however it misbehaves, can hold the
caller beyond a deadline) and for streaming an answer's verified sentences to the web UI while
``Assistant.ask`` does the work."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

# What ``events`` yields: ("item", value) for each emitted value, then ("end", result).
Event = tuple[str, Any]


class WorkerChannel:
    """Starts ``work(emit)`` in a daemon thread; ``events()`` yields what it emits, then its result.

    An exception raised by ``work`` is raised again in the consumer. ``stopped`` tells a
    cooperative producer that the consumer has gone (it stops at its next item)."""

    def __init__(
        self,
        work: Callable[[Callable[[Any], None]], Any],
        name: str,
        stopped: threading.Event | None = None,
    ) -> None:
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        # Passed in when the producer needs it: the thread may run before this object is assigned.
        self.stopped = stopped or threading.Event()

        def run() -> None:
            try:
                result = work(lambda item: self._queue.put(("item", item)))
                self._queue.put(("end", result))
            except BaseException as exc:  # handed to the consumer, which decides what to show
                self._queue.put(("error", exc))

        threading.Thread(target=run, daemon=True, name=name).start()

    def next_event(self, timeout: float | None = None) -> Event:
        """The next event; raises ``queue.Empty`` after ``timeout`` seconds without one."""
        kind, value = self._queue.get(timeout=timeout)
        if kind == "error":
            raise value
        return kind, value

    def events(self) -> Iterator[Event]:
        try:
            while True:
                kind, value = self.next_event()
                yield kind, value
                if kind == "end":
                    return
        finally:
            self.stopped.set()
