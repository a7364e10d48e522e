"""Decision support on a solved study: why infeasible, near-optimal alternatives, break-even prices, N-1 stress, sensitivity.

Each answers a planner's question with many related solves on kept models. May import every room below it
(architecture/, optimizer.model, solve, pareto, sweep, output); nothing imports this room but the command line.
"""

from optimizer.decisions.alternatives import alternatives, check_flags
from optimizer.decisions.breakeven import breakeven, priced
from optimizer.decisions.diagnose import diagnose_infeasible
from optimizer.decisions.sensitivity import RANKED_BY, plan, run_sensitivity
from optimizer.decisions.stress import DROPS, NO_RECOVERY, RECOVERED, StressResult, run_stress, write_stress

__all__ = [
    "DROPS",
    "NO_RECOVERY",
    "RANKED_BY",
    "RECOVERED",
    "StressResult",
    "alternatives",
    "breakeven",
    "check_flags",
    "diagnose_infeasible",
    "plan",
    "priced",
    "run_sensitivity",
    "run_stress",
    "write_stress",
]
