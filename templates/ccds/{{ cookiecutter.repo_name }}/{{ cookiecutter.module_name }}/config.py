"""Project paths and settings, shared by every script in {{ cookiecutter.module_name }}.

Importing this module loads ``.env`` into ``os.environ`` (variables already set win) and sends
loguru's messages through tqdm, so progress bars and log lines do not overwrite each other.
"""

import os
import sys
from pathlib import Path

from dotenv import load_dotenv
from loguru import logger
from tqdm import tqdm

PROJ_ROOT = Path(__file__).resolve().parents[1]

load_dotenv(PROJ_ROOT / ".env")

DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
INTERIM_DATA_DIR = DATA_DIR / "interim"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
EXTERNAL_DATA_DIR = DATA_DIR / "external"

MODELS_DIR = PROJ_ROOT / "models"

REPORTS_DIR = PROJ_ROOT / "reports"
FIGURES_DIR = REPORTS_DIR / "figures"

logger.remove()
logger.add(
    lambda message: tqdm.write(message, end="", file=sys.stderr),
    level=os.environ.get("LOGURU_LEVEL", "INFO"),
    colorize=sys.stderr.isatty(),
)
