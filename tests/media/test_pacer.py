import asyncio
import time

from bridge.media.pacer import DONE, MORE, PAUSED, FanOutPacer


class Viewer:
    """Sends ``frames`` frames of ``packets`` packets, each packet costing ``cost`` s."""

    def __init__(self, name: str, frames: int, packets: int, cost: float, log: list) -> None:
        self.name, self.frames, self.packets, self.cost, self.log = name, frames, packets, cost, log
        self.index = 0

    def send_some(self, deadline: float) -> int:
        if not self.frames:
            return DONE
        while True:
            end = time.perf_counter() + self.cost
            while time.perf_counter() < end:
                pass
            self.index += 1
            if self.index == self.packets:
                break
            if time.perf_counter() >= deadline:
                return PAUSED
        self.log.append(self.name)
        self.index = 0
        self.frames -= 1
        return MORE if self.frames else DONE


async def test_frames_go_out_in_turn_in_slices_with_other_work_between():
    pacer = FanOutPacer(budget_s=0.001)
    log: list[str] = []
    ticks = 0
    stop = False

    async def count_iterations() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    counter = asyncio.ensure_future(count_iterations())
    a, b = Viewer("a", 2, 10, 0.0002, log), Viewer("b", 1, 10, 0.0002, log)
    pacer.submit(a)
    pacer.submit(b)
    pacer.submit(a)  # already queued: no second turn
    while a.frames or b.frames:
        await asyncio.sleep(0)
    stop = True
    await counter
    assert log == ["a", "b", "a"], "a frame each, in turn"
    # a slice stops at the first packet past 1 ms: 6 packets of 0.2 ms at most
    assert pacer.slices >= 30 / 6
    assert ticks >= pacer.slices - 1, "other work (the mixer clock) ran between the slices"


async def test_a_viewer_with_nothing_left_leaves_the_queue():
    pacer = FanOutPacer()
    log: list[str] = []
    empty = Viewer("empty", 0, 1, 0, log)
    pacer.submit(empty)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not pacer._queue and not pacer._queued
    pacer.submit(Viewer("one", 1, 1, 0, log))
    await asyncio.sleep(0)
    assert log == ["one"]
