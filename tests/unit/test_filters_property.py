"""Property tests of the filter-string parser (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cambrian import backends
from cambrian.devices import KINDS, Term, parse_filter
from cambrian.errors import FilterSyntaxError

terms = st.builds(Term, st.sampled_from((None, *backends.NAMES)), st.sampled_from((None, *KINDS)),
                  st.one_of(st.none(), st.integers(0, 10**6)))


@given(st.lists(terms, min_size=1, max_size=4))
def test_printed_filters_parse_back(ts: list[Term]) -> None:
    assert list(parse_filter(",".join(str(t) for t in ts))) == ts


@given(st.lists(terms, min_size=1, max_size=3), st.data())
def test_case_and_spaces_do_not_matter(ts: list[Term], data: st.DataObject) -> None:
    text = ",".join(str(t) for t in ts)
    noisy = "".join(c.upper() if data.draw(st.booleans()) else c for c in text)
    noisy = noisy.replace(":", data.draw(st.sampled_from((":", " : ", ":  ")))).replace(",", " , ")
    assert list(parse_filter(f"  {noisy}  ")) == ts


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("opencludaitrgx*:,0123456789 -+_.")), max_size=30))
def test_any_text_parses_or_raises_a_filter_syntax_error(text: str) -> None:
    try:
        out = parse_filter(text)
    except FilterSyntaxError as exc:
        assert "bad device filter" in str(exc) or "must be a string" in str(exc)
        assert "Traceback" not in str(exc)
    else:
        assert out and all(isinstance(t, Term) for t in out)
