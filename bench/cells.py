"""The fixed cells the benchmark runs, on ndplay and on evcxr_jupyter alike.

Every cell uses plain ndarray (its prelude: `array!`, `s!`, `Array*`, `Axis`) so that both
kernels run the same code; nothing from ndplay's own prelude. Cells build on each other
the way a lesson does (variables carried from cell to cell).

For the compile floor each cell also has `floor_setup`: the `let`s (and items) from earlier
cells that it needs, so it compiles on its own inside one function of a tiny cdylib.
"""

# Asked right after the kernel starts (issue 5: "the first array cell").
FIRST_CELL = "let a = array![1.0, 2.0, 3.0]; a"

# The compute-heavy cell: 20 x a 300x300 `dot`. The benchmark runs it several times with a
# different name for `s` (so evcxr's `:cache` cannot hand back an earlier build).
MATMUL_CELL = (
    "let m = Array2::<f64>::from_shape_fn((300, 300), |(i, j)| (i * j % 7) as f64); "
    "let mut {s} = 0.0; for _ in 0..20 {{ {s} += m.dot(&m)[[0, 0]]; }} {s}"
)

# The same work timed inside the cell: what the array code costs without the compile.
MATMUL_INNER_CELL = (
    "let m = Array2::<f64>::from_shape_fn((300, 300), |(i, j)| (i * j % 7) as f64); "
    "let {t} = std::time::Instant::now(); let mut s = 0.0; "
    "for _ in 0..20 {{ s += m.dot(&m)[[0, 0]]; }} "
    'println!("COMPUTE_SECONDS={{}} s={{}}", {t}.elapsed().as_secs_f64(), s);'
)

_X = "let x = Array1::<f64>::linspace(0.0, 1.0, 5);"
_G = "let g = Array::from_iter(0..12).into_shape_with_order((3, 4)).unwrap();"
_GF = _G + "\nlet gf = g.mapv(|v| v as f64);"
_RELU = "fn relu(a: &Array2<f64>) -> Array2<f64> { a.mapv(|v| v.max(0.0)) }"

# Issue 25: cells that fail to compile, the mistakes a NumPy user makes first (plain
# ndarray, so both kernels run them). Timed to the reply: a failing cell must answer as fast
# as a working one.
ERROR_CELLS = [
    "let e1 = array![1, 2, 3];\ne1 / 2.0",
    "let e2 = array![[1.0, 2.0], [3.0, 4.0]];\ne2.T",
    "let e3 = 1.0;\ne3 += 1.0;",
    "let e4 = array![[1.0, 2.0], [3.0, 4.0]];\ne4.sum(axis=0)",
    "let e5 = vec![1.0, 2.0];\nlen(e5)",
]

# (cell, floor_setup)
CELLS = [
    ("let x = Array1::<f64>::linspace(0.0, 1.0, 5);\nx", ""),
    ("let y = &x * 2.0 + 1.0;\ny", _X),
    ("x.sum() + x.len() as f64", _X),
    ("let z = Array2::<f64>::zeros((3, 4));\nz.shape().to_vec()", ""),
    ("let g = Array::from_iter(0..12).into_shape_with_order((3, 4)).unwrap();\ng", ""),
    ("g.t().to_owned()", _G),
    ("g.sum_axis(Axis(0))", _G),
    ("let col = g.column(1).to_owned();\ncol", _G),
    ("g.slice(s![.., 1..3]).to_owned()", _G),
    ("let gf = g.mapv(|v| v as f64);\ngf.mean().unwrap()", _G),
    ("let row = array![10.0, 20.0, 30.0, 40.0];\n&gf + &row", _GF),
    ("let w = Array2::<f64>::ones((4, 2));\ngf.dot(&w)", _GF),
    ('println!("shape {:?}, ndim {}, len {}", gf.shape(), gf.ndim(), gf.len());', _GF),
    (_RELU, ""),
    ("relu(&(&gf - 5.0))", _GF + "\n" + _RELU),
    ("let norms = gf.mapv(|v| v * v).sum_axis(Axis(1)).mapv(f64::sqrt);\nnorms", _GF),
    ("let mut acc = 0.0;\nfor v in gf.iter() {\n    acc += v;\n}\nacc", _GF),
    ("gf.iter().cloned().fold(f64::NEG_INFINITY, f64::max)", _GF),
    ("let e = gf.clone().insert_axis(Axis(0));\ne.shape().to_vec()", _GF),
    (
        "let big: Vec<usize> = gf.column(0).iter().enumerate()\n"
        "    .filter(|(_, v)| **v > 2.0).map(|(i, _)| i).collect();\nbig",
        _GF,
    ),
]

assert len(CELLS) == 20

# The generic-heavy cell of issue 12: array code whose generics are instantiated in the
# cell (closures) beside shared ones (`&big * 0.5 + 1.0`, `sum_axis`). Renamed per run.
HEAVY_CELL = (
    "let {b} = Array2::<f64>::from_shape_fn((1000, 1000), |(i, j)| (i + j) as f64);\n"
    "let {r} = (&{b} * 0.5 + 1.0).mapv(|v| v.sqrt()).sum_axis(Axis(0));\n"
    "{r}.len()"
)

# The drift session: one new variable a cell, 300 cells.
DRIFT_CELL = "let v{i} = array![{i}.0, 1.0]; v{i}.sum()"
DRIFT_CELLS = 300
