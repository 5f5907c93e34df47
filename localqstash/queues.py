"""In-order delivery for queues: each queue lets `parallelism` messages be in flight at once."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from localqstash.models import Message, Queue


@dataclass(slots=True)
class _Lane:
    queue: Queue
    active: int = 0
    parked: deque[Message] = field(default_factory=deque)


class QueueGate:
    """Decides whether a due queue message may start now, or parks it until a slot frees."""

    def __init__(self) -> None:
        self._lanes: dict[str, _Lane] = {}

    def update(self, queue: Queue) -> list[Message]:
        """Create or change a queue; returns parked messages that may now start."""
        lane = self._lanes.get(queue.name)
        if lane is None:
            self._lanes[queue.name] = _Lane(queue)
            return []
        lane.queue = queue
        return self._release(lane)

    def remove(self, name: str) -> list[Message]:
        lane = self._lanes.pop(name, None)
        return list(lane.parked) if lane is not None else []

    def try_acquire(self, message: Message) -> bool:
        assert message.queue is not None
        lane = self._lanes.get(message.queue)
        if lane is None:  # enqueued to a queue that was never created: QStash creates it
            lane = self._lanes[message.queue] = _Lane(Queue(message.queue))
        if lane.queue.paused or lane.active >= lane.queue.parallelism or lane.parked:
            if message not in lane.parked:
                lane.parked.append(message)
            return False
        lane.active += 1
        return True

    def release(self, name: str) -> list[Message]:
        lane = self._lanes.get(name)
        if lane is None:
            return []
        lane.active = max(0, lane.active - 1)
        return self._release(lane)

    def _release(self, lane: _Lane) -> list[Message]:
        out: list[Message] = []
        while lane.parked and not lane.queue.paused and lane.active < lane.queue.parallelism:
            out.append(lane.parked.popleft())
            lane.active += 1
        return out
