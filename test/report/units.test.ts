/**
 * What a report makes of a folder's declarations, table-driven: which unit a column has, which variables are an
 * account's, how Action kinds group, what a step is called.
 */
import { expect } from "chai";
import type { Flow } from "../../simulation/engine/types.js";
import { stepLabel } from "../../simulation/analysis/report/charts.js";
import { actionGroupsOf } from "../../simulation/analysis/report/run/activity.js";
import { indexAccounts } from "../../simulation/analysis/report/run/accounts.js";
import { variableGroupOf } from "../../simulation/analysis/report/run/variables.js";
import { matchesPattern, RAW, UnitTable, type Unit } from "../../simulation/analysis/report/units.js";

const TOK: Unit = { label: "TOK", decimals: 18 };
const USDC: Unit = { label: "USDC", decimals: 6 };
const SHARES: Unit = { label: "shares", decimals: 0 };
const FLOW: Flow = { from: "a", to: "b", label: "paid", total: "kpi:paid", unit: "DAI", decimals: 18 };

describe("report: units and groups from a folder's declarations", function () {
  it("matchesPattern: * stands for any characters (or none); without one, the name itself", function () {
    const cases: [string, string, boolean][] = [
      ["balance", "balance", true],
      ["balance", "balances", false],
      ["release.*", "release.team.balance", true],
      ["release.*", "release.", true],
      ["release.*", "releases.team", false],
      ["release.*.balance", "release.team.balance", true],
      ["release.*.balance", "release.team.released", false],
      ["*.balance", "saver-0.balance", true],
      ["a*a", "a", false],
      ["a*a", "aa", true],
      ["a*b*c", "axbyc", true],
      ["a*b*c", "acb", false],
      ["*", "", true],
    ];
    for (const [pattern, name, expected] of cases)
      expect(matchesPattern(pattern, name), `${pattern} ~ ${name}`).to.equal(expected);
  });

  it("UnitTable: a name's own unit first, then its account field's, then the first matching pattern, then a flow's; else a plain value", function () {
    const units = new UnitTable(
      { "vault.*": SHARES, "vault.totalAssets": USDC, "*.balance": USDC, balance: TOK, paid: TOK },
      [FLOW, { ...FLOW, total: "vault.fees", unit: "FEE" }],
    );
    const cases: [string, string | undefined, Unit][] = [
      ["vault.totalAssets", undefined, USDC], // its own, though a pattern before it matches
      ["vault.totalSupply", undefined, SHARES], // a pattern
      ["vault.fees", undefined, SHARES], // a declared pattern wins over a flow
      ["saver-0.balance", "balance", TOK], // an account's: its field's unit, before the pattern
      ["vault.balance", undefined, SHARES], // a global: the first pattern that matches
      ["kpi:paid", undefined, TOK], // a KPI's own, before the flow totalling it
      ["kpi:other", undefined, RAW],
      ["totalDeposits", undefined, RAW],
    ];
    for (const [column, field, unit] of cases) expect(units.of(column, field), column).to.deep.equal(unit);
    expect(new UnitTable({}, [FLOW]).kpi("paid")).to.deep.equal({ label: "DAI", decimals: 18 });
  });

  it("UnitTable: amountDecimals is the amounts' one number of decimals, undefined when they differ", function () {
    expect(new UnitTable({ a: TOK, b: SHARES }, []).amountDecimals).to.equal(18);
    expect(new UnitTable({ a: TOK, b: USDC }, []).amountDecimals).to.equal(undefined);
    expect(new UnitTable({ b: SHARES }, []).hasAmounts).to.equal(false);
    expect(new UnitTable({}, [FLOW]).hasAmounts).to.equal(true);
  });

  it("indexAccounts: <id>.<field> of an account field is an account's, unless the id is a contract or has other variables", function () {
    const index = indexAccounts(
      [
        "totalDeposits",
        "vault.balance",
        "vault.totalSupply",
        "asset.balance",
        "release.team.balance",
        "saver-0.balance",
        "saver-0.shares",
        "saver-1.balance",
        "keeper.balance",
      ],
      ["balance", "shares"],
      ["asset", "vault"],
    );
    expect(index.entities).to.deep.equal(["saver-0", "saver-1", "keeper"]);
    expect([...index.byRole]).to.deep.equal([
      ["saver", ["saver-0", "saver-1"]],
      ["keeper", ["keeper"]],
    ]);
    expect(index.of("saver-0.shares")).to.deep.equal({ entity: "saver-0", field: "shares" });
    for (const global of ["totalDeposits", "vault.balance", "asset.balance", "release.team.balance"])
      expect(index.of(global), global).to.equal(undefined);
    // Without the instance names, `vault` is still no account: it has a variable that is no account field.
    expect(indexAccounts(["vault.balance", "vault.totalSupply"], ["balance"]).entities).to.deep.equal([]);
  });

  it("actionGroupsOf: declared groups first, in their order; a kind of no group is its own", function () {
    const { groupOf, order } = actionGroupsOf({ trades: ["buy", "sell"], liquidity: ["add"] }, ["mint", "buy", "burn"]);
    expect(order).to.deep.equal(["trades", "liquidity", "mint", "burn"]);
    expect(Object.fromEntries(groupOf)).to.deep.equal({
      buy: "trades",
      sell: "trades",
      add: "liquidity",
      mint: "mint",
      burn: "burn",
    });
  });

  it("variableGroupOf: the first declared group with a matching name, else the name's first segment, else the fallback", function () {
    const groups = { tokens: ["exchangeToken.*", "governanceToken.*"], "release wallets": ["release.*"] };
    const cases: [string, string][] = [
      ["exchangeToken.totalSupply", "tokens"],
      ["release.team.balance", "release wallets"],
      ["escrow.offerCount", "escrow"],
      ["totalDeposits", "starter-vault"],
    ];
    for (const [v, group] of cases) expect(variableGroupOf(groups, v, "starter-vault"), v).to.equal(group);
  });

  it("stepLabel: a step's length in words for axes", function () {
    const cases: [number | undefined, string][] = [
      [86_400, "step (day)"],
      [2_592_000, "step (month)"],
      [604_800, "step (week)"],
      [31_536_000, "step (year)"],
      [3_600, "step (hour)"],
      [172_800, "step (2 days)"],
      [21_600, "step (6 hours)"],
      [90, "step (90 s)"],
      [undefined, "step"],
    ];
    for (const [seconds, label] of cases) expect(stepLabel(seconds), String(seconds)).to.equal(label);
  });
});
