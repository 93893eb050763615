"""Appending results as they finish, and resuming from the file."""

import numpy as np
import pytest

from statkit.simulation import RateCheck
from statkit.simulation._runner import ResumeFile

GRID = [4, 8, 16, 32]
HEADER = "check,random_state,grid_index,x,rep,value"


class Counting:
    """A simulate that counts its calls and can interrupt the run like Ctrl-C."""

    def __init__(self, interrupt_after=None, on_call=None):
        self.calls = 0
        self.interrupt_after = interrupt_after
        self.on_call = on_call

    def __call__(self, x, rng):
        if self.interrupt_after is not None and self.calls >= self.interrupt_after:
            raise KeyboardInterrupt
        self.calls += 1
        if self.on_call is not None:
            self.on_call(self.calls)
        return float(np.abs(rng.standard_normal(x)).mean() / np.sqrt(x))


def make(simulate, name="resume-test", grid=GRID, n_reps=5):
    return RateCheck(name, simulate, grid, predicted_exponent=-0.5, n_reps=n_reps)


@pytest.fixture
def reference():
    return make(Counting()).run(random_state=3, progress=False)


def values(result):
    return result.data["value"].to_numpy()


def test_rows_are_appended_as_replications_finish(tmp_path):
    out = tmp_path / "run.csv"
    seen = []

    def on_call(calls):  # before the k-th value, the k-1 earlier ones are on disk
        seen.append(len(out.read_text().splitlines()) - 1)

    make(Counting(on_call=on_call)).run(random_state=3, out=out, progress=False)
    assert seen == list(range(len(GRID) * 5))
    lines = out.read_text().splitlines()
    assert lines[0] == HEADER and len(lines) == 1 + len(GRID) * 5


def test_interrupted_run_resumes_with_identical_numbers(tmp_path, reference):
    out = tmp_path / "run.csv"
    with pytest.raises(KeyboardInterrupt):
        make(Counting(interrupt_after=7)).run(random_state=3, out=out, progress=False)
    assert len(out.read_text().splitlines()) == 1 + 7
    again = Counting()
    result = make(again).run(random_state=3, out=out, progress=False)
    assert again.calls == len(GRID) * 5 - 7
    assert result.n_reused == 7
    assert np.array_equal(values(result), values(reference))
    assert result.slope == reference.slope
    # a third run computes nothing
    third = Counting()
    assert np.array_equal(
        values(make(third).run(random_state=3, out=out, progress=False)), values(reference)
    )
    assert third.calls == 0


def test_more_replicates_reuse_the_earlier_ones(tmp_path):
    out = tmp_path / "run.csv"
    make(Counting(), n_reps=3).run(random_state=3, out=out, progress=False)
    more = Counting()
    result = make(more, n_reps=6).run(random_state=3, out=out, progress=False)
    assert more.calls == len(GRID) * 3
    assert np.array_equal(
        values(result), values(make(Counting(), n_reps=6).run(random_state=3, progress=False))
    )
    # fewer replicates than stored: the first ones are used, the file is left as it is
    fewer = make(Counting(), n_reps=2).run(random_state=3, out=out, progress=False)
    assert len(fewer.data) == len(GRID) * 2 and set(fewer.data["rep"]) == {0, 1}
    assert len(out.read_text().splitlines()) == 1 + len(GRID) * 6


@pytest.mark.parametrize("cut", [1, 5, 17])
def test_half_written_last_line_is_dropped(tmp_path, reference, cut):
    out = tmp_path / "run.csv"
    make(Counting()).run(random_state=3, out=out, progress=False)
    text = out.read_text()
    out.write_text(text[:-cut])  # the last line loses its end (and its newline)
    again = Counting()
    result = make(again).run(random_state=3, out=out, progress=False)
    assert again.calls == 1
    assert np.array_equal(values(result), values(reference))
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + len(GRID) * 5
    assert all(len(line.split(",")) == 6 for line in lines)


def test_half_written_header_is_repaired(tmp_path, reference):
    out = tmp_path / "run.csv"
    out.write_text(HEADER[:9])
    result = make(Counting()).run(random_state=3, out=out, progress=False)
    assert out.read_text().splitlines()[0] == HEADER
    assert np.array_equal(values(result), values(reference))


def test_empty_file_is_started(tmp_path, reference):
    out = tmp_path / "run.csv"
    out.write_text("")
    assert np.array_equal(
        values(make(Counting()).run(random_state=3, out=out, progress=False)), values(reference)
    )


def test_file_of_another_random_state_is_refused(tmp_path):
    out = tmp_path / "run.csv"
    make(Counting()).run(random_state=3, out=out, progress=False)
    before = out.read_bytes()
    with pytest.raises(ValueError, match=r"random_state=3.*not 4"):
        make(Counting()).run(random_state=4, out=out, progress=False)
    assert out.read_bytes() == before


def test_file_of_another_check_is_refused(tmp_path):
    out = tmp_path / "run.csv"
    make(Counting(), name="first-check").run(random_state=3, out=out, progress=False)
    before = out.read_bytes()
    with pytest.raises(ValueError, match=r"'first-check'.*not 'second-check'"):
        make(Counting(), name="second-check").run(random_state=3, out=out, progress=False)
    assert out.read_bytes() == before


def test_file_of_another_grid_is_refused(tmp_path):
    out = tmp_path / "run.csv"
    make(Counting(), grid=[4, 8, 16, 32]).run(random_state=3, out=out, progress=False)
    with pytest.raises(ValueError, match="another grid"):
        make(Counting(), grid=[4, 16, 64]).run(random_state=3, out=out, progress=False)
    # a grid that extends the first one keeps indices and values: rows are reused
    longer = Counting()
    make(longer, grid=[4, 8, 16, 32, 64]).run(random_state=3, out=out, progress=False)
    assert longer.calls == 5


@pytest.mark.parametrize(
    "content",
    ["hello, world\n", "a,b,c\n1,2,3\n", "not a csv", HEADER + "\nclt,0,0,4,0\n"],
)
def test_foreign_or_malformed_file_is_refused_and_left_alone(tmp_path, content):
    out = tmp_path / "run.csv"
    out.write_text(content)
    with pytest.raises(ValueError, match="out="):
        make(Counting()).run(random_state=3, out=out, progress=False)
    assert out.read_text() == content


def test_out_may_not_be_a_directory(tmp_path):
    with pytest.raises(ValueError, match="directory"):
        make(Counting()).run(random_state=3, out=tmp_path, progress=False)


def test_to_csv_round_trips_bit_for_bit(tmp_path, reference):
    path = tmp_path / "saved.csv"
    reference.to_csv(path)
    assert path.read_text().splitlines()[0] == HEADER
    loaded = ResumeFile(path, "resume-test", 3, GRID).load()
    assert np.array_equal(
        [loaded[(i, r)] for i in range(len(GRID)) for r in range(5)], values(reference)
    )
    again = Counting()
    result = make(again).run(random_state=3, out=path, progress=False)
    assert again.calls == 0 and np.array_equal(values(result), values(reference))
