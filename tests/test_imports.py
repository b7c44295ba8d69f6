import subprocess
import sys


def test_light_packages_do_not_import_torch():
    code = (
        "import sys, sciml, sciml.backend, validation, validation.exact, validation.checks, "
        "validation.report, solvers, solvers.checks, solvers.pde, tensor_formats, tensor_formats.funbat, "
        "sciml.data, sciml.data.checks, sciml.operators, sciml.operators.checks, sciml.batches, solvers.deep_conjugate, "
        "solvers.deep_conjugate.checks\n"
        "heavy = sorted(m for m in ('torch', 'neuralop') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
