"""Exporting check results for papers: LaTeX (booktabs) tables and sized figures."""

import math
import numbers
import os
from pathlib import Path

__all__ = ["FIGURE_WIDTHS", "latex_escape", "savefig", "to_latex"]

#: Figure widths in inches: one column of a two-column paper, and the full text width.
FIGURE_WIDTHS = {"column": 3.5, "page": 7.0}

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text):
    """Escape LaTeX's special characters in plain text."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _num(value, digits):
    """A number in math mode (a true minus sign; infinities as \\infty)."""
    value = float(value)
    if math.isnan(value):
        return "--"
    if math.isinf(value):
        return r"$-\infty$" if value < 0 else r"$\infty$"
    return f"${value:.{digits}f}$"


def _interval(lo, hi, digits):
    return f"[{_num(lo, digits)}, {_num(hi, digits)}]"


def _grid_value(x):
    x = float(x)
    return f"${int(x)}$" if x.is_integer() else f"${x:g}$"


def _table(colspec, header, rows, caption, label, footer=None):
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption is not None:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    if label is not None:
        lines.append(rf"\label{{{label}}}")
    lines += [
        rf"\begin{{tabular}}{{{colspec}}}",
        r"\toprule",
        " & ".join(header) + r" \\",
        r"\midrule",
        *(" & ".join(r) + r" \\" for r in rows),
        *([r"\midrule", footer + r" \\"] if footer is not None else []),
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def to_latex(result, caption=None, label=None, digits=3):
    """LaTeX table of a result; see :meth:`RateCheckResult.to_latex`."""
    from ._result import RateCheckResult

    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}")
    for name, value in (("caption", caption), ("label", label)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
    check = result.check
    name = latex_escape(check.name)
    level = f"{100 * result.ci_level:g}\\%"
    if isinstance(result, RateCheckResult):
        slope = "Exponent" if result.model == "offset-power" else "Slope"
        header = ["Check", slope, f"{level} CI", "Predicted", "Verdict"]
        rows = [
            [
                rf"\texttt{{{name}}}",
                _num(result.slope, digits),
                _interval(*result.ci, digits),
                _num(result.predicted_exponent, digits),
                result.verdict,
            ]
        ]
        return _table("lrcrl", header, rows, caption, label)
    variable = latex_escape(check.variable)
    header = [
        "Check",
        f"${variable}$" if len(check.variable) == 1 else variable,
        "Mean",
        f"CI ({100 * result.level_each:.4g}\\% each)",
        "Target",
        "In CI",
    ]
    rows = []
    for r in result.table.itertuples():
        rows.append(
            [
                rf"\texttt{{{name}}}",
                _grid_value(r.x),
                _num(r.mean, digits),
                _interval(r.lo, r.hi, digits),
                _num(result.target, digits),
                "yes" if r.contains_target else "no",
            ]
        )
    footer = (
        rf"\multicolumn{{6}}{{l}}{{Verdict: {result.verdict} (target inside every interval; "
        rf"joint level {level}, Bonferroni)}}"
        if result.passed
        else rf"\multicolumn{{6}}{{l}}{{Verdict: {result.verdict} (target outside an interval; "
        rf"joint level {level}, Bonferroni)}}"
    )
    return _table("lrrcrl", header, rows, caption, label, footer=footer)


def _width_inches(width):
    if isinstance(width, str):
        if width not in FIGURE_WIDTHS:
            raise ValueError(
                f"width must be 'column' (3.5 in), 'page' (7 in) or a positive number of "
                f"inches, got {width!r}"
            )
        return FIGURE_WIDTHS[width]
    if isinstance(width, bool) or not isinstance(width, numbers.Real):
        raise TypeError(f"width must be 'column', 'page' or a number of inches, got {width!r}")
    if not (math.isfinite(width) and width > 0):
        raise ValueError(f"width must be a positive finite number of inches, got {width!r}")
    return float(width)


def savefig(result, path, width="column", height=None, font_size=8, dpi=300):
    """Save ``result.plot()`` at a paper's size; see :meth:`RateCheckResult.savefig`."""
    import matplotlib
    from matplotlib.figure import Figure

    path = Path(os.fspath(path))
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise ValueError(f"path must end in .pdf or .png, got {str(path)!r}")
    w = _width_inches(width)
    if height is None:
        h = 0.75 * w
    elif isinstance(height, bool) or not isinstance(height, numbers.Real):
        raise TypeError(f"height must be None or a number of inches, got {height!r}")
    elif not (math.isfinite(height) and height > 0):
        raise ValueError(f"height must be a positive finite number of inches, got {height!r}")
    else:
        h = float(height)
    for name, value in (("font_size", font_size), ("dpi", dpi)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    rc = {
        "font.size": font_size,
        "axes.titlesize": font_size,
        "axes.labelsize": font_size,
        "xtick.labelsize": font_size,
        "ytick.labelsize": font_size,
        "legend.fontsize": max(font_size - 1, 1),
        "lines.markersize": 3,
        "pdf.fonttype": 42,  # TrueType in the PDF: journals reject Type 3 fonts
    }
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(w, h))
        result.plot(ax=fig.subplots())
        fig.tight_layout(pad=0.3)
        fig.savefig(path, format=fmt, dpi=dpi)
    return path
