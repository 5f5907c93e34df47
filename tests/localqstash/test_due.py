"""DueQueue promises the scheduler's own calls never test, kept because the queue cannot know
who calls it: a stale heap item, a message queued twice, a late release of an older object."""

from __future__ import annotations

from localqstash.db.messages import END_OF_TIME, Window
from localqstash.due import Admission, DueQueue, Phase
from localqstash.models import Message

T0 = 1_700_000_000_000


def held_window() -> DueQueue:
    queue = DueQueue(3)
    queue.merge(Window([], {}, (T0 + 10_000, END_OF_TIME)))
    return queue


def test_a_message_admitted_again_goes_out_at_its_new_due_only() -> None:
    queue = held_window()
    message = Message(id="msg_a", url="http://sink.test/m", due=T0 + 5, seq=1)
    assert queue.admit(message) is Admission.HELD
    assert queue.forget(message.id)
    message.due = T0 + 50
    assert queue.admit(message) is Admission.HELD
    assert queue.take_due(T0 + 10) is None
    assert queue.take_due(T0 + 50) is message
    assert queue.take_due(T0 + 50) is None
    queue.check()


def test_a_message_queued_twice_comes_out_once() -> None:
    queue = held_window()
    message = Message(id="msg_a", url="http://sink.test/m", due=T0, seq=1)
    queue.admit(message)
    assert queue.take_due(T0) is message
    queue.requeue([message])
    assert queue.next_ready() is message and queue.start(message)
    assert queue.next_ready() is None
    assert not queue.start(message)


def test_a_late_release_of_an_older_object_keeps_the_newer_one() -> None:
    queue = held_window()
    older = Message(id="msg_a", url="http://sink.test/m", due=T0, seq=1)
    newer = Message(id="msg_a", url="http://sink.test/m", due=T0 + 5, seq=1)
    queue.admit(older)
    queue.forget(older.id)
    queue.admit(newer)
    queue.release(older)
    assert queue.phase("msg_a") is Phase.WAITING
    assert queue.take_due(T0 + 5) is newer
