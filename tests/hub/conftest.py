import sys
from pathlib import Path

# multiuser.py beside this file, and the kernel harness in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
