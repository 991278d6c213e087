"""Records with fields that are no part of their value: dataclasses' ``field(compare=False)``
and ``field(repr=False)``, which msgspec's Structs have no counterpart of."""

from __future__ import annotations

from typing import ClassVar

import msgspec


class PartlyCompared(msgspec.Struct, frozen=True):
    """A frozen record whose equality and hash leave out the fields named in ``uncompared``
    (a memo, a mapping derived from the others), and whose repr leaves out those in
    ``unshown``; otherwise equal, hashed and shown as any frozen record."""

    uncompared: ClassVar[frozenset[str]] = frozenset()
    unshown: ClassVar[frozenset[str]] = frozenset()

    def _compared(self) -> tuple[object, ...]:
        return tuple(
            getattr(self, name) for name in self.__struct_fields__ if name not in self.uncompared
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, PartlyCompared)
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__struct_fields__
            if name not in self.unshown
        )
        return f"{type(self).__qualname__}({shown})"
