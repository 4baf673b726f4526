"""Helpers for tests that migrate a database filled by an earlier version of the code."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.state import StateApps

Node = tuple[str, str | None]


def before_the_move(graph: MigrationGraph, move: Node) -> list[Node]:
    """Each app's latest migration that does not depend on the move (or none of it)."""
    targets: list[Node] = []
    for app, name in graph.leaf_nodes():
        chain = [node for node in graph.forwards_plan((app, name)) if node[0] == app]
        before = [node for node in chain if move not in graph.forwards_plan(node)]
        targets.append(before[-1] if before else (app, None))
    return targets


def migrate(targets: list[Node]) -> StateApps:
    """Migrate the database to `targets` and return the models as they stand there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(
        [(app, name) for app, name in targets if name is not None]
    ).apps
