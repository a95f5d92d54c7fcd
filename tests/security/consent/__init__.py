"""The generated consent test: every contract function refuses every organisation that did not agree.

For every function of every contract in `default_registry()`, `test_consent.py` builds the records
the function needs (a *scenario*), calls it once as every other kind of demo organisation (one
organisation of each role that is not a legitimate caller) and expects each call to be refused
with nothing changed (same height, same world state), then calls it as a legitimate caller and
expects it to succeed, which proves the refusals were about who called, not about the arguments.

Scenario modules, one per contract family, in this folder, named after the family: the package
under `baobab.contracts` (`trade.py`, `oracles.py`, `finance.py`, `customs.py`...), `governance.py`
for the governance contract, `accounts.py` for accounts, oversight and private_records (see
`framework.family_of`). Every module in the folder other than `framework.py` and `test_*.py` is
loaded as a family:

    from tests.security.consent.framework import Case, Scenarios, World

    SCENARIOS = Scenarios()

    @SCENARIOS.add("accounts.issue")                  # "<contract>.<function>"
    def issue(world: World) -> Case:
        account = world.unique("acct")                # ids never used before on this network
        world.ok("KLTB", "accounts", "open", {"account": account, "currency": "MYR"})
        return Case({"account": account, "amount": 100}, callers=["KLTB"])

A builder gets the shared `World` (the demo network: `world.ok(org, contract, function, args)`
submits and insists on VALID, `world.query(...)`, `world.unique(prefix)`, `world.admins`,
`world.node`) and returns a `Case`: the `args` of the call and the organisations that may make
it (`callers`, the first one makes the control call). `Case.any_member(args, caller)` is for a
function every member may call for itself (its declared `callers` must be ANY_MEMBER); only the
control call is made. A builder may also set `as_of` (an RFC 3339 proposal time) for calls that
depend on the date, and `client` when only another client identity of the callers may make the
call (the node's `audit` identity for the access log): their `app` clients are then refused too.
Builders run on one network shared by the whole test module, so they create
their own records under fresh ids and never rely on what another builder made.

Functions without a scenario are listed by `test_every_function_has_a_consent_scenario`: an
xfail naming the families whose module does not exist yet, a failure for a family whose module
misses some of its functions. `test_every_function_declares_its_callers` does the same for
functions without `callers=`.
"""
