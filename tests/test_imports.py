import subprocess
import sys


def test_light_packages_do_not_import_torch():
    code = (
        "import sys, sciml, sciml.backend, validation, validation.exact, validation.checks, "
        "validation.report, solvers, solvers.checks, solvers.pde, tensor_formats, tensor_formats.funbat, "
        "sciml.data, sciml.operators, sciml.checks\n"
        "heavy = sorted(m for m in ('torch', 'neuralop') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
