"""Named hooks: how a lower app learns of the higher apps that take part in its work, without importing them.

A lower app declares a ``Hook`` where its code reaches an extension point (``cases.extensions`` declares
the dossier's). A higher app registers its handlers in its ``AppConfig.ready()``; the lower app calls the
hook, which calls every handler in registration order (that is, ``INSTALLED_APPS`` order) and returns
their results. This is the project's one mechanism for it (ADR 0025): no Django signals, no lazy imports.

A handler that raises stops the call and the exception reaches the caller: a hook called inside a
transaction (an event consumer, say) then rolls the whole action back, so nothing is half-done.
"""

from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    """An extension point: ``hook.register(handler)`` in ``ready()``, ``hook(**kwargs)`` where it is reached."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._handlers: list[Callable[P, R]] = []

    def register(self, handler: Callable[P, R]) -> Callable[P, R]:
        """Add ``handler`` (once: registering the same function again is ignored). Usable as a decorator."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        return [handler(*args, **kwargs) for handler in self._handlers]

    @property
    def handlers(self) -> tuple[Callable[P, R], ...]:
        return tuple(self._handlers)

    def __repr__(self) -> str:
        names = ", ".join(f"{h.__module__}.{h.__qualname__}" for h in self._handlers)
        return f"<Hook {self.name}: {names or 'no handlers'}>"


def merged(results: list[Any]) -> dict[str, Any]:
    """The dictionaries a context hook's handlers returned, as one (a later handler wins on a clash)."""
    out: dict[str, Any] = {}
    for result in results:
        if result:
            out.update(result)
    return out
