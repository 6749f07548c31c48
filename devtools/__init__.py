"""Development tooling: the demo seed and day, the simulator and its raw MQTT publisher, private
brokers and PostgreSQL clusters, throwaway databases, process starters.

Used by ``cli``, ``tests`` and ``bench``; nothing in the domain or the API imports it (an
import-linter contract), so none of it ships as part of a running service's logic.
"""
