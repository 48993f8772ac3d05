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


def test_a_stage_is_found_by_number_id_title_or_a_unique_start():
    from bot.domain.progress import find_stage

    rm = load_pack().roadmap("ml-engineer")
    last = len(rm.stages)
    assert find_stage(rm, "1") == 0 and find_stage(rm, str(last)) == last - 1
    assert find_stage(rm, "0") is None and find_stage(rm, str(last + 1)) is None and find_stage(rm, "²") is None
    assert find_stage(rm, "system-design") == 5 and find_stage(rm, " System   design ") == 5
    assert find_stage(rm, "sys") == 5 and find_stage(rm, "APPLYING") == 6
    assert find_stage(rm, "p") == [2, 3]  # projects, portfolio: which one?
    assert find_stage(rm, "nope") is None
