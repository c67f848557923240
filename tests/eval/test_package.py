import subprocess
import sys


def test_import_eval_is_light():
    code = (
        "import sys, eval, eval.metrics, eval.retrieval, eval.dataset; "
        "heavy = {'numpy', 'matplotlib', 'bm25s', 'anthropic'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
