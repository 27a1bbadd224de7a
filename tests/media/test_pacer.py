import asyncio

from bridge.media.pacer import FanOutPacer


async def test_senders_are_released_in_order_a_budget_per_loop_iteration():
    pacer = FanOutPacer(budget_bytes=24_000)
    order: list[int] = []
    ticks = 0
    stop = False

    async def count_iterations() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    async def sender(i: int) -> None:
        await pacer.turn(10_000)
        order.append(i)

    counter = asyncio.ensure_future(count_iterations())
    await asyncio.gather(*(sender(i) for i in range(10)))
    stop = True
    await counter
    assert order == list(range(10))
    assert pacer.iterations == 4  # 10 x 10 kB at 24 kB (3 senders) per iteration
    assert ticks >= 4, "other work (the mixer clock) ran between the releases"


async def test_a_cancelled_sender_does_not_block_the_others():
    pacer = FanOutPacer(budget_bytes=1)
    first = asyncio.ensure_future(pacer.turn(10))
    second = asyncio.ensure_future(pacer.turn(10))
    first.cancel()
    await asyncio.wait_for(second, 1)
