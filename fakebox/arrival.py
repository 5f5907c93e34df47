"""Arrival stamps taken where the bytes are parsed, not when the app gets round to them.

With many requests arriving at once, a single-process box runs their handlers one after the
other; a stamp taken in the app would include the time spent on the requests before it.
`StampingHttpToolsProtocol` stamps each request in uvicorn's parser callback, inside
`data_received`, which is as close to the socket as Python gets. `prebook fakebox` uses it
(with the wall clock); `ArrivalStamp` (the app's middleware) stamps, with the app's clock,
only requests that arrive without one.
"""

from __future__ import annotations

import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from fakebox.wire import ARRIVAL_KEY


class StampingHttpToolsProtocol(HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[ARRIVAL_KEY] = time.time_ns()  # type: ignore[literal-required]
