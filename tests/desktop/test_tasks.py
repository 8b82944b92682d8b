"""Background tasks from the GUI are held until done and their failures are reported."""

from __future__ import annotations

import asyncio

from desktop.tasks import TaskOwner


async def test_failure_goes_to_on_error() -> None:
    errors: list[BaseException] = []
    owner = TaskOwner(errors.append)

    async def fail() -> None:
        raise ValueError("boom")

    task = owner.spawn(fail())
    assert owner.busy
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)  # done callbacks run on the next loop turn
    assert [str(e) for e in errors] == ["boom"]
    assert not owner.busy


async def test_failure_without_handler_reaches_the_loop_handler() -> None:
    loop = asyncio.get_running_loop()
    seen: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    try:
        owner = TaskOwner()

        async def fail() -> None:
            raise RuntimeError("unexpected")

        await asyncio.gather(owner.spawn(fail()), return_exceptions=True)
        await asyncio.sleep(0)
        assert isinstance(seen[0]["exception"], RuntimeError)
    finally:
        loop.set_exception_handler(None)
