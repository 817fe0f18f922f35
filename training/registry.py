"""The MLflow plumbing every Omnicast model family shares: tracking, portable models, the registry.

One module so that demand, next-best-offer and whatever comes next log, register,
promote and load models the same way, and the scoring service finds the same
things in the registry for each of them:

- `configure` / `use_experiment`: MLflow pointed at the settings' tracking store
  (by default a SQLite database and artefact folder in the data home).
- `log_pyfunc`: a portable `mlflow.pyfunc` model. It pins its third-party
  requirements to the versions it was trained with and carries its own Omnicast
  code (`code_paths`: exactly the first-party modules the model imports, found
  by reading their imports), so it loads in a fresh environment built from its
  own `requirements.txt`, without this checkout: a Bento, a container,
  `mlflow models serve`. Its signature and `metadata` (model family, Omnicast
  version, code digest and what the family adds) are in the MLmodel file.
- `register` / `promote` / `alias_version` / `list_versions`: registry names and
  the `champion` alias that serving follows.
- `load_pyfunc` / `load_python_model`: the model behind `models:/name@alias`.

MLflow is imported inside the functions: importing this module is cheap, so a
command that never touches MLflow does not pay for it.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import io
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as dist_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from omnicast import __version__ as OMNICAST_VERSION
from omnicast.env import disable_telemetry
from omnicast.errors import OmnicastError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.models import ModelSignature
    from mlflow.pyfunc import PyFuncModel, PythonModel

    from omnicast.settings import Settings

log = logging.getLogger(__name__)

CHAMPION = "champion"
ARTIFACT = "model"  # the model's folder inside its run
FIRST_PARTY = frozenset({"omnicast", "features", "training", "serving", "experiments", "monitoring"})
T = TypeVar("T")


class RegistryError(OmnicastError):
    """A registered model, version or alias asked for does not exist or is not valid."""


@dataclass(frozen=True)
class LoggedModel:
    """Where a logged model landed: its URI, run and registered version (None if not registered)."""

    model_uri: str
    run_id: str
    version: str | None


@dataclass(frozen=True)
class Promotion:
    """An alias move: `previous` is the version the alias pointed at before (None: it was unset)."""

    model: str
    alias: str
    previous: str | None
    version: str


@dataclass(frozen=True)
class ModelVersion:
    """One registered version, as `models list` and the scoring service see it."""

    model: str
    version: str
    aliases: tuple[str, ...]
    run_id: str | None
    source: str
    created_ms: int
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return f"models:/{self.model}/{self.version}"


# --------------------------------------------------------------- tracking
def configure(settings: Settings) -> None:
    """Point MLflow's tracking and registry at the settings' store (telemetry off)."""
    disable_telemetry()  # before MLflow is first imported
    import mlflow

    # MLflow sets its own loggers to INFO when imported ("Creating initial MLflow database
    # tables..."); Omnicast reports what matters itself, so they speak from WARNING up.
    mlflow_log = logging.getLogger("mlflow")
    mlflow_log.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))

    if not settings.mlflow_tracking_uri:
        settings.paths.mlruns.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.tracking_uri)


def use_experiment(settings: Settings, name: str) -> str:
    """Make `name` the active experiment (created on first use); returns its id.

    The embedded default keeps artefacts in the data home; a configured tracking
    server decides its own artefact store.
    """
    import mlflow

    configure(settings)
    found = mlflow.get_experiment_by_name(name)
    if found is None:
        artifacts = None if settings.mlflow_tracking_uri else settings.paths.mlflow_artifacts.resolve().as_uri()
        experiment_id = mlflow.create_experiment(name, artifact_location=artifacts)
    else:
        experiment_id = found.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return str(experiment_id)


def client(settings: Settings) -> MlflowClient:
    from mlflow import MlflowClient

    configure(settings)
    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


# -------------------------------------------------------- portable models
def pinned(*distributions: str) -> list[str]:
    """`name==version` for each installed distribution: the model's requirements."""
    return [f"{name}=={dist_metadata.version(name)}" for name in distributions]


def code_closure(*roots: str) -> list[str]:
    """Every first-party module `roots` import, directly or not, with their parent packages.

    Read from the source (imports at any depth, except under `if TYPE_CHECKING:`),
    not by importing, so a module that is imported lazily is found too.
    """
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name.split(".")[0] not in FIRST_PARTY:
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen.add(name)
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)
        todo.extend(_imports(path, name))
    return sorted(seen)


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imports(path: Path, module: str) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)  # `from pkg import submodule`


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, skipping the bodies of `if TYPE_CHECKING:` blocks (imports for annotations only)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def stage_code(modules: Iterable[str], into: Path) -> list[str]:
    """Copy the modules' files into `into`, laid out as packages; returns the top-level paths.

    The result is what `code_paths` takes: MLflow copies each top-level package
    into the model's `code/` folder and puts that folder on the import path at load.
    """
    tops: set[str] = set()
    for name in modules:
        src = _module_file(name)
        if src is None:
            raise RegistryError(f"cannot find the source of module {name!r} to ship with the model")
        parts = name.split(".")
        rel = Path(*parts, "__init__.py") if src.name == "__init__.py" else Path(*parts[:-1], f"{parts[-1]}.py")
        dst = into / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        tops.add(parts[0])
    return [str(into / top) for top in sorted(tops)]


def code_digest(code_dir: Path) -> str:
    """sha256 over the shipped sources (path and content), to tell two code versions apart."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(code_dir).rglob("*.py")):
        digest.update(path.relative_to(code_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def log_pyfunc(
    python_model: PythonModel,
    *,
    family: str,
    signature: ModelSignature,
    requirements: Sequence[str],
    code_roots: Sequence[str],
    registered_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> LoggedModel:
    """Log a portable pyfunc in the active run and register it when `registered_name` is given.

    `requirements` are distribution names, pinned to the installed versions;
    `code_roots` are the modules defining the model (the class of `python_model`
    and whatever its pickled state refers to): they and every first-party module
    they import travel with the model.
    """
    import mlflow

    modules = code_closure(*code_roots)
    with tempfile.TemporaryDirectory(prefix="omnicast-code-") as tmp:
        code_paths = stage_code(modules, Path(tmp))
        meta = {
            "family": family,
            "omnicast_version": OMNICAST_VERSION,
            "code_modules": modules,
            "code_sha256": code_digest(Path(tmp)),
            **(metadata or {}),
        }
        with warnings.catch_warnings(), _env(MLFLOW_UV_AUTO_DETECT="false"), _without_known_noise():
            # uv auto-detection would copy the uv.lock of whatever project the process
            # was started in: the environment is requirements.txt, nothing else.
            # "no input example": the signature is the contract; an example of a panel
            # would be a frame of history, not something a caller would send
            warnings.filterwarnings("ignore", message=".*input example", category=UserWarning)
            info = mlflow.pyfunc.log_model(
                name=ARTIFACT,
                python_model=python_model,
                signature=signature,
                code_paths=code_paths,
                pip_requirements=pinned(*requirements),
                metadata=meta,
            )
    version = register(info.model_uri, registered_name, meta) if registered_name else None
    return LoggedModel(model_uri=info.model_uri, run_id=str(info.run_id), version=version)


def register(model_uri: str, name: str, metadata: Mapping[str, Any]) -> str:
    """A new version of `name`, tagged with the model's family, Omnicast version and code digest."""
    import mlflow

    tags = {k: str(metadata[k]) for k in ("family", "omnicast_version", "code_sha256") if k in metadata}
    with contextlib.redirect_stderr(io.StringIO()):  # MLflow prints "Successfully registered ..." itself
        version = mlflow.register_model(model_uri, name, tags=tags)
    return str(version.version)


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _DropKnownNoise(logging.Filter):
    """MLflow warnings every portable-model log raises and a user can do nothing about."""

    NOISE = (
        "Passing a Python object as `python_model`",  # the cloudpickle caution: the code ships with it
        "Failed to resolve installed pip version",  # uv-made environments have no pip
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


@contextmanager
def _without_known_noise() -> Iterator[None]:
    noise = _DropKnownNoise()
    loggers = [logging.getLogger(n) for n in ("mlflow.pyfunc", "mlflow.utils.environment")]
    for logger in loggers:
        logger.addFilter(noise)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(noise)


# -------------------------------------------------------------- registry
def _require_model(mlflow_client: MlflowClient, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        mlflow_client.get_registered_model(name)
    except MlflowException:
        names = sorted(m.name for m in mlflow_client.search_registered_models())
        raise RegistryError(f"no registered model named {name!r}; registered: {names or 'none'}") from None


def _version_numbers(mlflow_client: MlflowClient, name: str) -> list[str]:
    found = mlflow_client.search_model_versions(f"name = '{name}'")
    return sorted((str(v.version) for v in found), key=int)


def alias_version(settings: Settings, name: str, alias: str = CHAMPION) -> str | None:
    """The version `name@alias` points at, or None when the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client(settings).get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def promote(settings: Settings, name: str, version: str, alias: str = CHAMPION) -> Promotion:
    """Move `alias` of `name` to `version` (what serving and batch jobs load next)."""
    from mlflow.exceptions import MlflowException

    mlflow_client = client(settings)
    _require_model(mlflow_client, name)
    if str(version) not in _version_numbers(mlflow_client, name):
        known = _version_numbers(mlflow_client, name)
        raise RegistryError(f"{name} has no version {version}; versions: {known or 'none'}")
    previous = alias_version(settings, name, alias)
    try:
        mlflow_client.set_registered_model_alias(name, alias, str(version))
    except MlflowException as exc:  # empty, 'latest', 'v<N>' ... are reserved
        raise RegistryError(f"{alias!r} is not a valid MLflow alias: {exc.message}") from None
    return Promotion(model=name, alias=alias, previous=previous, version=str(version))


def list_versions(settings: Settings, name: str | None = None) -> list[ModelVersion]:
    """Every registered version (of `name`, or of every model), oldest first, with its run's metrics."""
    mlflow_client = client(settings)
    names = [name] if name else sorted(m.name for m in mlflow_client.search_registered_models())
    out = []
    for model in names:
        for number in _version_numbers(mlflow_client, model):
            v = mlflow_client.get_model_version(model, number)
            metrics = dict(mlflow_client.get_run(v.run_id).data.metrics) if v.run_id else {}
            out.append(
                ModelVersion(
                    model=model,
                    version=str(v.version),
                    aliases=tuple(v.aliases),
                    run_id=v.run_id,
                    source=str(v.source),
                    created_ms=int(v.creation_timestamp),
                    metrics=metrics,
                    tags=dict(v.tags),
                )
            )
    return out


def model_uri(name: str, alias: str = CHAMPION) -> str:
    return f"models:/{name}@{alias}"


def load_pyfunc(settings: Settings, name: str, alias: str = CHAMPION, hint: str = "") -> PyFuncModel:
    """The pyfunc behind `models:/name@alias`.

    MLflow puts the model's `code/` folder first on `sys.path` for good; it is
    taken off again once the model is loaded, so it cannot shadow packages the
    process imports later. In a process that has already imported Omnicast, the
    imported code is used (as always in Python); a model logged with different
    code is then reported in the log.
    """
    import mlflow

    if alias_version(settings, name, alias) is None:
        raise RegistryError(f"{name} has no {alias!r} alias yet{': ' + hint if hint else ''}")
    before = list(sys.path)
    try:
        model: PyFuncModel = mlflow.pyfunc.load_model(model_uri(name, alias))
    finally:
        added = [p for p in sys.path if p not in before]
        sys.path[:] = [p for p in sys.path if p not in added]
    for code_dir in added:
        _warn_on_code_drift(Path(code_dir), name, alias)
    return model


def load_python_model(settings: Settings, name: str, kind: type[T], alias: str = CHAMPION, hint: str = "") -> T:
    """The Python model object behind `models:/name@alias`, checked to be a `kind`."""
    wrapped = load_pyfunc(settings, name, alias, hint).unwrap_python_model()
    if not isinstance(wrapped, kind):
        raise RegistryError(f"{name}@{alias} holds a {type(wrapped).__name__}, not a {kind.__name__}")
    return wrapped


def _warn_on_code_drift(code_dir: Path, name: str, alias: str) -> None:
    """Name shipped modules whose already-imported version differs from the shipped source."""
    if not code_dir.is_dir():
        return
    differs = []
    for shipped in code_dir.rglob("*.py"):
        rel = shipped.relative_to(code_dir).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        loaded = sys.modules.get(module)
        origin = getattr(loaded, "__file__", None)
        if origin and Path(origin).resolve() != shipped.resolve() and Path(origin).read_bytes() != shipped.read_bytes():
            differs.append(module)
    if differs:
        log.warning(
            "%s@%s was logged with other code for %s; this process runs the code it already imported",
            name,
            alias,
            ", ".join(sorted(differs)),
        )
