"""The manager: all business logic, sole writer of the database, the public API.

Charger events arrive on one stream per node (``_events``), are routed by OCPP
version and action to handlers (``v16/``, ``v201/``), and answered on the same
stream. Tasks go to the owning node only (``_tasks``).
"""

from services.manager._config import ManagerSettings
from services.manager._manager import Manager

__all__ = ["Manager", "ManagerSettings"]
