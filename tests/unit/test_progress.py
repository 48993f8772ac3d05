from datetime import UTC, datetime, timedelta

from bot.content import load_pack
from bot.domain.progress import current_stage, expected_stage, stage_progress, stage_spread


def test_progress_and_stage():
    rm = load_pack().roadmap("ml-engineer")
    first = rm.stages[0]
    done = {m.id for m in first.milestones}
    assert current_stage(rm, set()) == 0
    assert current_stage(rm, done) == 1
    assert stage_progress(rm, done)[0].complete
    assert stage_spread(rm, {1: done}, [1, 2]) == [1, 1] + [0] * (len(rm.stages) - 2)


def test_expected_stage_follows_the_pace():
    rm = load_pack().roadmap("ml-engineer")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert expected_stage(rm, start, start + timedelta(weeks=5), 2) == 2
    assert expected_stage(rm, start, start + timedelta(weeks=500), 2) == len(rm.stages) - 1
