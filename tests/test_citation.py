"""statkit.cite and the citation registry.

Oracles: a BibTeX parser written here (brace matching, independent of how the registry
stores its entries); the docstrings' References sections, the checks' ``reference``
strings and ``docs/references.rst``, all written by the authors of each method, whose
arXiv ids, first authors and years the registry must agree with; the subpackages'
``__all__`` for coverage.
"""

import importlib
import inspect
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

import statkit
from statkit import _citations as reg

CITABLE_SUBPACKAGES = ("mmd", "tensor", "privacy", "bandits", "rl", "llm", "datasets")
ARXIV = re.compile(r"arXiv[: ]\s*(\d{4}\.\d{4,5})")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "references.rst"


# ---------------------------------------------------------------------- BibTeX parser


def _braced(text, start):
    """Content of the brace group opening at text[start] and the index after it."""
    assert text[start] == "{"
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    raise AssertionError(f"unbalanced braces in {text[start : start + 60]!r}")


def parse_bibtex(text):
    """List of (type, key, {field: value}) of every entry in ``text``."""
    entries = []
    for m in re.finditer(r"@(\w+)\s*\{", text):
        body, _ = _braced(text, m.end() - 1)
        key, _, rest = body.partition(",")
        fields = {}
        pos = 0
        while True:
            f = re.compile(r"\s*(\w+)\s*=\s*").match(rest, pos)
            if f is None:
                break
            value, pos = _braced(rest, f.end())
            fields[f.group(1).lower()] = " ".join(value.split())
            pos = rest.index(",", pos) + 1 if "," in rest[pos:] else len(rest)
        assert rest[pos:].strip() == "", f"unparsed text in {key}: {rest[pos:]!r}"
        entries.append((m.group(1).lower(), key.strip(), fields))
    return entries


def test_parser_on_a_hand_written_entry():
    text = "@article{K1,\n  author = {A, B. and {The X}},\n  title = {T {Y}},\n  year = {1999}\n}"
    assert parse_bibtex(text) == [
        ("article", "K1", {"author": "A, B. and {The X}", "title": "T {Y}", "year": "1999"})
    ]


# -------------------------------------------------------------------------- registry


@pytest.mark.parametrize("key", sorted(reg.BIBTEX))
def test_every_entry_is_well_formed(key):
    text = reg.cite(format="bibtex") if key == reg.STATKIT_KEY else reg.BIBTEX[key]
    entries = parse_bibtex(text)
    assert len(entries) == 1
    kind, parsed_key, fields = entries[0]
    assert parsed_key == key
    assert kind in {"article", "inproceedings", "misc", "book"}
    for field in ("author", "title", "year"):
        assert fields.get(field), f"{key} lacks {field}"
    assert re.fullmatch(r"(18|19|20)\d\d", fields["year"])
    if "eprint" in fields:
        assert re.fullmatch(r"\d{4}\.\d{4,5}", fields["eprint"])
        assert fields.get("archiveprefix") == "arXiv"
        # new-style arXiv ids are YYMM.NNNNN: the year of the id bounds the year
        assert int(fields["year"]) >= 2000 + int(fields["eprint"][:2])
    if "pages" in fields:
        lo, hi = fields["pages"].split("--")
        assert int(lo) <= int(hi)


def test_statkit_entry_carries_the_installed_version():
    _, key, fields = parse_bibtex(statkit.cite())[-1]
    assert key == "statkit"
    assert statkit.__version__ in fields["note"]
    assert fields["author"] == "{The statkit developers}"


def test_keys_are_unique_and_every_mapped_key_exists():
    used = {k for keys in (*reg.OBJECTS.values(), *reg.CHECKS.values()) for k in keys}
    assert used <= set(reg.BIBTEX)
    # no orphan entry: every paper is cited by something
    assert set(reg.BIBTEX) - used == {reg.STATKIT_KEY}
    all_keys = [k for _, k, _ in parse_bibtex("\n".join(reg.BIBTEX.values()))]
    assert len(all_keys) == len(set(all_keys))


def _public_names(sub):
    mod = importlib.import_module(f"statkit.{sub}")
    return {f"statkit.{sub}.{n}" for n in mod.__all__}


def test_every_public_name_is_mapped_or_declared_statkit_only():
    """A new estimator without a citation (or a statkit-only declaration) fails here."""
    public = set().union(*(_public_names(s) for s in CITABLE_SUBPACKAGES))
    missing = sorted(public - set(reg.OBJECTS) - reg.STATKIT_ONLY)
    assert not missing, f"add these to statkit/_citations.py (OBJECTS or STATKIT_ONLY): {missing}"
    assert not set(reg.OBJECTS) & reg.STATKIT_ONLY
    # and nothing stale: every mapped name is still exported
    exported = public | _public_names("simulation") | _public_names("utils")
    stale = sorted((set(reg.OBJECTS) | reg.STATKIT_ONLY) - exported)
    assert not stale, f"no longer exported: {stale}"


def test_every_registered_check_is_mapped():
    from statkit.simulation import list_checks

    names = {c.name for c in list_checks()}
    assert not sorted(names - set(reg.CHECKS)), "add the new checks to CHECKS"
    assert not sorted(set(reg.CHECKS) - names), "CHECKS names a check that no longer exists"


def _references_section(obj):
    doc = inspect.getdoc(obj) or ""
    m = re.search(r"References\n-{5,}\n(.*?)(?:\n\S[^\n]*\n-{5,}\n|\Z)", doc, re.S)
    return m.group(1) if m else ""


def _public_objects():
    for sub in CITABLE_SUBPACKAGES:
        mod = importlib.import_module(f"statkit.{sub}")
        for name in mod.__all__:
            yield f"statkit.{sub}.{name}", getattr(mod, name)


def test_docstring_arxiv_ids_are_all_cited():
    """Every arXiv id in an object's References section is in statkit.cite(obj)."""
    failures = []
    checked = 0
    for qualname, obj in _public_objects():
        if not (inspect.isclass(obj) or inspect.isroutine(obj)):
            continue
        wanted = set(ARXIV.findall(_references_section(obj)))
        if not wanted:
            continue
        checked += 1
        cited = {f.get("eprint") for _, _, f in parse_bibtex(statkit.cite(obj))}
        if not wanted <= cited:
            failures.append((qualname, sorted(wanted - cited)))
    assert checked >= 30
    assert not failures


def test_docstring_with_references_is_not_statkit_only():
    for qualname, obj in _public_objects():
        if qualname in reg.STATKIT_ONLY and (inspect.isclass(obj) or inspect.isroutine(obj)):
            assert not _references_section(obj).strip(), f"{qualname} cites a paper"


def _first_surname(author_field):
    return author_field.split(" and ")[0].split(",")[0].strip("{}")


def _plain(text):
    """ASCII letters only: LaTeX accents (``{\\"a}``) and Unicode accents (``ä``) dropped."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\{\\[\"'~^`]?\s*([A-Za-z])\}|\\[\"'~^`]\{?([A-Za-z])\}?", r"\1\2", text)


def test_checks_cite_the_paper_named_in_their_reference():
    """Each check's own reference string (first author, year, arXiv id) is its first key."""
    from statkit.simulation import list_checks

    for check in list_checks():
        entries = parse_bibtex(statkit.cite(check))
        assert entries[-1][1] == "statkit"
        m = re.search(r"([A-Z][a-z]+)(?:, [A-Z][a-z]+)*\s*\((\d{4})\)", check.reference)
        assert m, check.reference
        _, _, fields = entries[0]
        assert _plain(_first_surname(fields["author"])) == m.group(1), check.name
        assert fields["year"] == m.group(2), check.name
        for arxiv in ARXIV.findall(check.reference):
            assert arxiv in {f.get("eprint") for _, _, f in entries}, check.name


def test_registry_agrees_with_docs_references():
    """Each paper of docs/references.rst: same key, first author, year and arXiv id."""
    text = DOCS.read_text(encoding="utf-8")
    items = re.findall(r"^\.\. \[(\w+)\] (.*?)(?=^\.\. \[|^\S|\Z)", text, re.S | re.M)
    assert len(items) >= 10
    for key, body in items:
        assert key in reg.BIBTEX, f"{key} of references.rst is not in the registry"
        fields = parse_bibtex(reg.BIBTEX[key])[0][2]
        body = " ".join(body.split())
        assert _plain(_first_surname(fields["author"])) in _plain(body), key
        ids = ARXIV.findall(body)
        assert ids == ([fields["eprint"]] if ids else []), key
        # the year printed in the entry, or the one in its label (a preprint year)
        years = re.findall(r"\b(1[89]\d\d|20\d\d)\b", body)
        assert fields["year"] in years or key.endswith(fields["year"]), (key, years)


# ------------------------------------------------------------------------------ cite


def test_cite_two_estimators_and_a_rate_check():
    from statkit.bandits import MatrixCompletionBandit
    from statkit.mmd import OptimallyWeightedMMD

    text = statkit.cite(MatrixCompletionBandit, OptimallyWeightedMMD(), "mmd-u-statistic")
    entries = parse_bibtex(text)
    assert [k for _, k, _ in entries] == ["DuanLiXia2024", "Bharti2023", "Gretton2012", "statkit"]
    assert entries[0][2]["eprint"] == "2404.17398"
    assert entries[1][2]["eprint"] == "2301.11674"
    assert entries[2][2]["journal"] == "Journal of Machine Learning Research"


def test_cite_accepts_every_form_of_the_same_object():
    from statkit.rl import TabularMDP
    from statkit.simulation import get_check

    want = statkit.cite(TabularMDP)
    assert statkit.cite("statkit.rl.TabularMDP") == want
    assert statkit.cite("rl.TabularMDP") == want
    assert statkit.cite("TabularMDP") == want
    assert statkit.cite(TabularMDP.cvar_optimal) == want  # a method: its class
    check = get_check("clt-sample-mean")
    result = check.run(quick=True, progress=False)
    assert statkit.cite(check) == statkit.cite(result) == statkit.cite("clt-sample-mean")
    assert [k for _, k, _ in parse_bibtex(statkit.cite(check))] == ["Wasserman2004", "statkit"]


def test_cite_deduplicates_and_puts_statkit_last():
    keys = statkit.cite("mmd_test", "MMDTestResult", "mmd-permutation-size", format="keys")
    assert keys == ["Gretton2012", "PhipsonSmyth2010", "statkit"]
    assert statkit.cite(format="keys") == ["statkit"]


def test_statkit_only_utility_cites_statkit_alone():
    from statkit.tensor import check_tt_ranks

    assert statkit.cite(check_tt_ranks, format="keys") == ["statkit"]


def test_unknown_objects_raise_naming_them():
    import numpy as np

    with pytest.raises(ValueError, match=r"function numpy\.mean"):
        statkit.cite(np.mean)
    with pytest.raises(ValueError, match=r"builtins\.object"):
        statkit.cite(object())

    class MyEstimator:
        pass

    with pytest.raises(ValueError, match=r"class .*MyEstimator"):
        statkit.cite(MyEstimator)
    with pytest.raises(ValueError, match=r"instance of .*MyEstimator"):
        statkit.cite(MyEstimator())
    with pytest.raises(ValueError, match=r"'mmd-u-statstic'.*did you mean 'mmd-u-statistic'"):
        statkit.cite("mmd-u-statstic")
    with pytest.raises(ValueError, match="'no-such-thing'"):
        statkit.cite("no-such-thing")


def test_unregistered_check_names_itself_and_its_reference():
    from statkit.simulation import RateCheck

    check = RateCheck(
        "my-own-check", lambda x, rng: 1.0 / x, [1, 2, 4], -1.0, reference="Me (2030)"
    )
    with pytest.raises(ValueError, match=r"RateCheck 'my-own-check'.*Me \(2030\)"):
        statkit.cite(check)


def test_user_registered_check_by_name(monkeypatch):
    from statkit.simulation import RateCheck, _registry

    check = RateCheck("zz-user", lambda x, rng: 1.0 / x, [1, 2, 4], -1.0, reference="Me (2030)")
    monkeypatch.setitem(_registry._REGISTRY, check.name, check)
    with pytest.raises(ValueError, match=r"RateCheck 'zz-user': it is registered.*Me \(2030\)"):
        statkit.cite("zz-user")


def test_bare_names_shared_by_two_subpackages():
    # statkit.utils re-exports statkit.privacy's PrivacyWarning: same object, same citation
    assert statkit.cite("PrivacyWarning", format="keys") == ["statkit"]
    assert statkit.cite("utils.PrivacyWarning", format="keys") == ["statkit"]


def test_format_is_validated():
    with pytest.raises(ValueError, match=r"format must be one of \('bibtex', 'keys'\)"):
        statkit.cite("mmd", format="latex")


def test_cite_is_lazy_and_never_imports_torch():
    code = (
        "import sys, statkit; before = 'statkit._citations' in sys.modules; "
        "statkit.cite('mmd-u-statistic', 'statkit.bandits.CVaRUCB'); "
        "print(before, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert "cite" in dir(statkit)


def test_citation_cff_agrees_with_the_package():
    root = Path(__file__).resolve().parents[1]
    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+):\s*(.+?)\s*$", cff, re.M))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == statkit.__version__
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert f'license = "{fields["license"]}"' in pyproject
    assert '- name: "The statkit developers"' in cff
    bib_title = parse_bibtex(statkit.cite())[-1][2]["title"].replace("{", "").replace("}", "")
    assert fields["title"].strip('"') == bib_title


def test_ambiguous_bare_name_is_refused(monkeypatch):
    monkeypatch.setitem(reg.OBJECTS, "statkit.tensor.mmd", ("Li2025",))
    with pytest.raises(ValueError, match=r"'mmd' is ambiguous: .*statkit.mmd.mmd"):
        statkit.cite("mmd")
    assert statkit.cite("mmd.mmd", format="keys")[0] == "Gretton2012"
