import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { VoucherEscrow } from "../../types/ethers-contracts/index.js";
import {
  ActionGenerator,
  actorsOf,
  applyToChain,
  chainContext,
  chainPeek,
  describeAction,
} from "../helpers/voucherActions.js";
import { ecoPart, escalationDeposit, expectedPayoff, type Ending, type Terms } from "../helpers/voucherPayoffs.js";
import {
  AGGREGATOR_POINTS_BPS,
  ECO_BPS,
  FEE_BPS,
  POOR,
  POOR_ALLOWANCE,
  deployVoucherSystem,
  ethers,
  networkHelpers,
  type VoucherSystem,
} from "../helpers/voucherSystem.js";

const { loadFixture, time } = networkHelpers;

// ExchangeState / DisputeState indices, as the contract's enums.
const S = { None: 0n, Committed: 1n, Revoked: 2n, Canceled: 3n, Redeemed: 4n, Completed: 5n, Disputed: 6n } as const;
const D = { None: 0n, Resolving: 1n, Retracted: 2n, Resolved: 3n, Escalated: 4n, Decided: 5n, Refused: 6n } as const;

const TERMS: Terms = { price: 1_000n, sellerDeposit: 200n, buyerCancelPenalty: 50n, disputeResolverFee: 100n };
const FEE = (TERMS.price * FEE_BPS) / 10_000n; // 25
const E = escalationDeposit(TERMS); // 10
const VALIDITY = 1_000n;
const DISPUTE_PERIOD = 500n;
const RESOLUTION_PERIOD = 300n;
const ESCALATION_PERIOD = 200n;

function params(
  resolver: string,
  overrides: Partial<VoucherEscrow.OfferParamsStruct> = {},
): VoucherEscrow.OfferParamsStruct {
  return {
    price: TERMS.price,
    sellerDeposit: TERMS.sellerDeposit,
    buyerCancelPenalty: TERMS.buyerCancelPenalty,
    quantity: 5n,
    voucherValiditySeconds: VALIDITY,
    disputePeriodSeconds: DISPUTE_PERIOD,
    resolutionPeriodSeconds: RESOLUTION_PERIOD,
    escalationResponsePeriodSeconds: ESCALATION_PERIOD,
    disputeResolver: resolver,
    disputeResolverFee: TERMS.disputeResolverFee,
    ...overrides,
  };
}

interface OfferSystem extends VoucherSystem {
  readonly seller: HardhatEthersSigner;
  readonly buyer: HardhatEthersSigner;
  readonly resolver: HardhatEthersSigner;
  readonly aggregator: HardhatEthersSigner;
  readonly other: HardhatEthersSigner;
  readonly escrowAddress: string;
  readonly offerId: bigint;
}

interface ExchangeSystem extends OfferSystem {
  readonly id: bigint;
  readonly validUntil: bigint;
  readonly redeemedAt: bigint;
  readonly timeout: bigint;
}

/** A registered seller with 10_000 wei available and one offer (id 1) of the standard terms. */
async function offerFixture(): Promise<OfferSystem> {
  const sys = await deployVoucherSystem();
  const [seller] = sys.roles.sellers;
  const [buyer] = sys.roles.buyers;
  const [resolver] = sys.roles.resolvers;
  const [aggregator] = sys.roles.aggregators;
  await sys.escrow.connect(seller).registerSeller(aggregator.address);
  await sys.escrow.connect(seller).depositFunds(10_000n);
  await sys.escrow.connect(seller).createOffer(params(resolver.address));
  return {
    ...sys,
    seller,
    buyer,
    resolver,
    aggregator,
    other: sys.roles.stranger,
    escrowAddress: await sys.escrow.getAddress(),
    offerId: 1n,
  };
}

async function exchangeOf(f: OfferSystem, id: bigint): Promise<ExchangeSystem> {
  const ex = await f.escrow.getExchange(id);
  return { ...f, id, validUntil: ex.validUntil, redeemedAt: ex.redeemedAt, timeout: ex.disputeTimeout };
}

async function committedFixture(): Promise<ExchangeSystem> {
  const f = await offerFixture();
  await f.escrow.connect(f.buyer).commitToOffer(f.offerId);
  return exchangeOf(f, 1n);
}

async function redeemedFixture(): Promise<ExchangeSystem> {
  const f = await committedFixture();
  await f.escrow.connect(f.buyer).redeemVoucher(f.id);
  return exchangeOf(f, f.id);
}

async function resolvingFixture(): Promise<ExchangeSystem> {
  const f = await redeemedFixture();
  await f.escrow.connect(f.buyer).raiseDispute(f.id);
  return exchangeOf(f, f.id);
}

async function escalatedFixture(): Promise<ExchangeSystem> {
  const f = await resolvingFixture();
  await f.escrow.connect(f.buyer).escalateDispute(f.id);
  return exchangeOf(f, f.id);
}

async function expectInvariant(f: VoucherSystem): Promise<void> {
  const balance = await f.token.balanceOf(await f.escrow.getAddress());
  expect(balance, "escrow balance = totalEncumbered + totalAvailable").to.equal(
    (await f.escrow.totalEncumbered()) + (await f.escrow.totalAvailable()),
  );
}

interface Funds {
  readonly seller: bigint;
  readonly buyer: bigint;
  readonly resolver: bigint;
  readonly eco: bigint;
  readonly sink: bigint;
}

async function funds(f: OfferSystem): Promise<Funds> {
  const e = f.escrow;
  return {
    seller: await e.availableFunds(f.seller.address),
    buyer: await e.availableFunds(f.buyer.address),
    resolver: await e.availableFunds(f.resolver.address),
    eco: await e.availableFunds(f.roles.ecosystemFund.address),
    sink: await e.availableFunds(await f.sink.getAddress()),
  };
}

describe("VoucherEscrow", () => {
  describe("deployment", () => {
    it("VoucherEscrow: exposes its constructor arguments", async () => {
      const f = await loadFixture(deployVoucherSystem);
      expect(await f.escrow.exchangeToken()).to.equal(await f.token.getAddress());
      expect(await f.escrow.feeManager()).to.equal(await f.feeManager.getAddress());
      expect(await f.escrow.pointsSink()).to.equal(await f.sink.getAddress());
      expect(await f.escrow.ecosystemFund()).to.equal(f.roles.ecosystemFund.address);
      expect(await f.escrow.aggregatorPointsBps()).to.equal(AGGREGATOR_POINTS_BPS);
      expect(await f.escrow.ESCALATION_DEPOSIT_BPS()).to.equal(1_000n);
      expect(await f.escrow.offerCount()).to.equal(0n);
      expect(await f.escrow.exchangeCount()).to.equal(0n);
    });

    it("VoucherEscrow: reverts InvalidAddress when any constructor address is zero", async () => {
      const f = await loadFixture(deployVoucherSystem);
      const good = [
        await f.token.getAddress(),
        await f.feeManager.getAddress(),
        await f.sink.getAddress(),
        f.roles.ecosystemFund.address,
      ];
      const factory = await ethers.getContractFactory("VoucherEscrow");
      for (let i = 0; i < good.length; i++) {
        const args = [...good];
        args[i] = ethers.ZeroAddress;
        await expect(factory.deploy(args[0]!, args[1]!, args[2]!, args[3]!, 0n)).to.be.revertedWithCustomError(
          f.escrow,
          "VoucherEscrowInvalidAddress",
        );
      }
    });

    it("VoucherEscrow: reverts InvalidBps when aggregatorPointsBps is above 10_000, accepts 10_000", async () => {
      const f = await loadFixture(deployVoucherSystem);
      const factory = await ethers.getContractFactory("VoucherEscrow");
      const args = [
        await f.token.getAddress(),
        await f.feeManager.getAddress(),
        await f.sink.getAddress(),
        f.roles.ecosystemFund.address,
      ] as const;
      await expect(factory.deploy(...args, 10_001n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidBps")
        .withArgs(10_001n);
      await expect(factory.deploy(...args, 10_000n)).not.to.revert(ethers);
    });
  });

  describe("sellers and funds", () => {
    it("VoucherEscrow: registerSeller records the aggregator and emits SellerRegistered", async () => {
      const f = await loadFixture(deployVoucherSystem);
      const [seller] = f.roles.sellers;
      const [agg] = f.roles.aggregators;
      expect(await f.escrow.isSeller(seller.address)).to.equal(false);
      await expect(f.escrow.connect(seller).registerSeller(agg.address))
        .to.emit(f.escrow, "SellerRegistered")
        .withArgs(seller.address, agg.address);
      expect(await f.escrow.isSeller(seller.address)).to.equal(true);
      expect(await f.escrow.sellerAggregator(seller.address)).to.equal(agg.address);
    });

    it("VoucherEscrow: registerSeller reverts InvalidAddress for a zero aggregator, before SellerExists", async () => {
      const f = await loadFixture(offerFixture);
      await expect(f.escrow.connect(f.seller).registerSeller(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.escrow,
        "VoucherEscrowInvalidAddress",
      );
      await expect(f.escrow.connect(f.seller).registerSeller(f.aggregator.address))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowSellerExists")
        .withArgs(f.seller.address);
    });

    it("VoucherEscrow: depositFunds pulls the tokens, credits the ledger and emits FundsDeposited", async () => {
      const f = await loadFixture(offerFixture);
      const tx = f.escrow.connect(f.buyer).depositFunds(123n);
      await expect(tx).to.emit(f.escrow, "FundsDeposited").withArgs(f.buyer.address, 123n);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.buyer, f.escrow], [-123n, 123n]);
      expect(await f.escrow.availableFunds(f.buyer.address)).to.equal(123n);
      expect(await f.escrow.totalAvailable()).to.equal(10_123n);
      await expectInvariant(f);
    });

    it("VoucherEscrow: depositFunds reverts ZeroAmount, and surfaces the token's allowance and balance errors", async () => {
      const f = await loadFixture(offerFixture);
      const poor = f.roles.buyers[3];
      await expect(f.escrow.connect(f.buyer).depositFunds(0n)).to.be.revertedWithCustomError(
        f.escrow,
        "VoucherEscrowZeroAmount",
      );
      await expect(f.escrow.connect(poor).depositFunds(POOR_ALLOWANCE + 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.escrowAddress, POOR_ALLOWANCE, POOR_ALLOWANCE + 1n);
      await expect(f.escrow.connect(poor).depositFunds(POOR + 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(poor.address, POOR, POOR + 1n);
    });

    it("VoucherEscrow: withdrawFunds debits the ledger, sends the tokens and emits FundsWithdrawn", async () => {
      const f = await loadFixture(offerFixture);
      const tx = f.escrow.connect(f.seller).withdrawFunds(10_000n);
      await expect(tx).to.emit(f.escrow, "FundsWithdrawn").withArgs(f.seller.address, 10_000n);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.seller, f.escrow], [10_000n, -10_000n]);
      expect(await f.escrow.availableFunds(f.seller.address)).to.equal(0n);
      expect(await f.escrow.totalAvailable()).to.equal(0n);
      await expectInvariant(f);
    });

    it("VoucherEscrow: withdrawFunds reverts ZeroAmount, and InsufficientFunds one wei above the balance", async () => {
      const f = await loadFixture(offerFixture);
      await expect(f.escrow.connect(f.seller).withdrawFunds(0n)).to.be.revertedWithCustomError(
        f.escrow,
        "VoucherEscrowZeroAmount",
      );
      await expect(f.escrow.connect(f.seller).withdrawFunds(10_001n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInsufficientFunds")
        .withArgs(f.seller.address, 10_000n, 10_001n);
    });
  });

  describe("createOffer", () => {
    it("VoucherEscrow: createOffer stores the terms with the current fee and emits OfferCreated (ids from 1)", async () => {
      const f = await loadFixture(offerFixture);
      const o = await f.escrow.getOffer(1n);
      expect(o.seller).to.equal(f.seller.address);
      expect(o.disputeResolver).to.equal(f.resolver.address);
      expect(o.price).to.equal(TERMS.price);
      expect(o.protocolFee).to.equal(FEE);
      expect(o.quantityAvailable).to.equal(5n);
      expect(o.escalationResponsePeriodSeconds).to.equal(ESCALATION_PERIOD);
      await expect(f.escrow.connect(f.seller).createOffer(params(f.resolver.address, { price: 4_001n })))
        .to.emit(f.escrow, "OfferCreated")
        .withArgs(2n, f.seller.address, 4_001n, 100n, 5n);
      expect(await f.escrow.offerCount()).to.equal(2n);
    });

    it("VoucherEscrow: createOffer checks seller, quantity, penalty, periods, resolver in that order", async () => {
      const f = await loadFixture(offerFixture);
      const bad = params(ethers.ZeroAddress, { quantity: 0n, buyerCancelPenalty: 1_001n, disputePeriodSeconds: 0n });
      await expect(f.escrow.connect(f.buyer).createOffer(bad))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotSeller")
        .withArgs(f.buyer.address);
      await expect(f.escrow.connect(f.seller).createOffer(bad)).to.be.revertedWithCustomError(
        f.escrow,
        "VoucherEscrowZeroQuantity",
      );
      await expect(f.escrow.connect(f.seller).createOffer({ ...bad, quantity: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowPenaltyAbovePrice")
        .withArgs(1_001n, 1_000n);
      for (const period of [
        "voucherValiditySeconds",
        "disputePeriodSeconds",
        "resolutionPeriodSeconds",
        "escalationResponsePeriodSeconds",
      ] as const) {
        await expect(
          f.escrow.connect(f.seller).createOffer(params(ethers.ZeroAddress, { [period]: 0n })),
        ).to.be.revertedWithCustomError(f.escrow, "VoucherEscrowZeroPeriod");
      }
      await expect(f.escrow.connect(f.seller).createOffer(params(ethers.ZeroAddress))).to.be.revertedWithCustomError(
        f.escrow,
        "VoucherEscrowInvalidAddress",
      );
      // The boundary: a penalty equal to the price is allowed.
      await expect(
        f.escrow.connect(f.seller).createOffer(params(f.resolver.address, { buyerCancelPenalty: 1_000n })),
      ).not.to.revert(ethers);
    });

    it("VoucherEscrow: the protocol fee stays fixed at offer creation when governance changes feeBps later", async () => {
      const f = await loadFixture(offerFixture);
      await f.feeManager.connect(f.roles.governance).setFeeBps(1_000n);
      await f.escrow.connect(f.buyer).commitToOffer(1n);
      await f.escrow.connect(f.buyer).redeemVoucher(1n);
      await f.escrow.connect(f.buyer).completeExchange(1n);
      expect(await f.escrow.protocolFeesCollected()).to.equal(FEE);
      await f.escrow.connect(f.seller).createOffer(params(f.resolver.address));
      expect((await f.escrow.getOffer(2n)).protocolFee).to.equal(100n);
    });

    it("VoucherEscrow: getOffer and getExchange revert for unknown ids", async () => {
      const f = await loadFixture(offerFixture);
      await expect(f.escrow.getOffer(2n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNoSuchOffer")
        .withArgs(2n);
      await expect(f.escrow.getExchange(1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNoSuchExchange")
        .withArgs(1n);
    });
  });

  describe("commitToOffer", () => {
    it("VoucherEscrow: commitToOffer reserves D + drFee, pulls the price, mints the voucher, emits VoucherCommitted", async () => {
      const f = await loadFixture(offerFixture);
      const t = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(t);
      const tx = f.escrow.connect(f.buyer).commitToOffer(1n);
      await expect(tx)
        .to.emit(f.escrow, "VoucherCommitted")
        .withArgs(1n, 1n, f.buyer.address, t + VALIDITY);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.buyer, f.escrow], [-TERMS.price, TERMS.price]);
      expect(await f.escrow.availableFunds(f.seller.address)).to.equal(10_000n - 300n);
      expect(await f.escrow.totalEncumbered()).to.equal(1_300n);
      expect(await f.escrow.balanceOf(f.buyer.address, 1n)).to.equal(1n);
      expect(await f.escrow.vouchersOutstanding()).to.equal(1n);
      expect((await f.escrow.getOffer(1n)).quantityAvailable).to.equal(4n);
      const ex = await f.escrow.getExchange(1n);
      expect([ex.offerId, ex.buyer, ex.state, ex.disputeState, ex.validUntil]).to.deep.equal([
        1n,
        f.buyer.address,
        S.Committed,
        D.None,
        t + VALIDITY,
      ]);
      expect(await f.escrow.exchangeCountByState(S.Committed)).to.equal(1n);
      expect(await f.escrow.disputeCountByState(D.None)).to.equal(1n);
      await expectInvariant(f);
    });

    it("VoucherEscrow: commitToOffer reverts NoSuchOffer for 0 and count + 1, and SoldOut after the last voucher", async () => {
      const f = await loadFixture(offerFixture);
      for (const id of [0n, 2n]) {
        await expect(f.escrow.connect(f.buyer).commitToOffer(id))
          .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNoSuchOffer")
          .withArgs(id);
      }
      await f.escrow.connect(f.seller).createOffer(params(f.resolver.address, { quantity: 1n }));
      await f.escrow.connect(f.buyer).commitToOffer(2n);
      await expect(f.escrow.connect(f.buyer).commitToOffer(2n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowSoldOut")
        .withArgs(2n);
    });

    it("VoucherEscrow: commitToOffer reverts InsufficientDeposit one wei short and succeeds at exactly D + drFee", async () => {
      const f = await loadFixture(offerFixture);
      await f.escrow.connect(f.seller).withdrawFunds(10_000n - 299n);
      await expect(f.escrow.connect(f.buyer).commitToOffer(1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInsufficientDeposit")
        .withArgs(f.seller.address, 299n, 300n);
      await f.escrow.connect(f.seller).depositFunds(1n);
      await expect(f.escrow.connect(f.buyer).commitToOffer(1n)).not.to.revert(ethers);
      expect(await f.escrow.availableFunds(f.seller.address)).to.equal(0n);
    });

    it("VoucherEscrow: commitToOffer surfaces the buyer's ERC20 allowance error", async () => {
      const f = await loadFixture(offerFixture);
      await f.token.connect(f.buyer).approve(f.escrowAddress, 999n);
      await expect(f.escrow.connect(f.buyer).commitToOffer(1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.escrowAddress, 999n, 1_000n);
    });

    it("VoucherEscrow: commitToOffer panics when now + voucherValidity overflows", async () => {
      const f = await loadFixture(offerFixture);
      await f.escrow
        .connect(f.seller)
        .createOffer(params(f.resolver.address, { voucherValiditySeconds: ethers.MaxUint256 }));
      await expect(f.escrow.connect(f.buyer).commitToOffer(2n)).to.be.revertedWithPanic(0x11);
    });
  });

  describe("vouchers are non-transferable", () => {
    it("VoucherEscrow: safeTransferFrom and safeBatchTransferFrom revert NonTransferable for the holder", async () => {
      const f = await loadFixture(committedFixture);
      await expect(
        f.escrow.connect(f.buyer).safeTransferFrom(f.buyer.address, f.other.address, 1n, 1n, "0x"),
      ).to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNonTransferable");
      await expect(
        f.escrow.connect(f.buyer).safeBatchTransferFrom(f.buyer.address, f.other.address, [1n], [1n], "0x"),
      ).to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNonTransferable");
      await f.escrow.connect(f.buyer).setApprovalForAll(f.other.address, true);
      await expect(
        f.escrow.connect(f.other).safeTransferFrom(f.buyer.address, f.other.address, 1n, 1n, "0x"),
      ).to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNonTransferable");
    });

    it("VoucherEscrow: an unapproved operator gets OpenZeppelin's ERC1155MissingApprovalForAll first", async () => {
      const f = await loadFixture(committedFixture);
      await expect(f.escrow.connect(f.other).safeTransferFrom(f.buyer.address, f.other.address, 1n, 1n, "0x"))
        .to.be.revertedWithCustomError(f.escrow, "ERC1155MissingApprovalForAll")
        .withArgs(f.other.address, f.buyer.address);
    });
  });

  describe("voucher life cycle", () => {
    it("VoucherEscrow: exchange calls revert NoSuchExchange for 0 and count + 1", async () => {
      const f = await loadFixture(committedFixture);
      for (const id of [0n, 2n]) {
        await expect(f.escrow.connect(f.buyer).cancelVoucher(id))
          .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNoSuchExchange")
          .withArgs(id);
        await expect(f.escrow.connect(f.resolver).decideDispute(id, 1n))
          .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNoSuchExchange")
          .withArgs(id);
      }
    });

    it("VoucherEscrow: cancelVoucher burns the voucher, emits VoucherCanceled and reverts NotBuyer for others", async () => {
      const f = await loadFixture(committedFixture);
      await expect(f.escrow.connect(f.seller).cancelVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotBuyer")
        .withArgs(f.id, f.seller.address);
      expect(await f.escrow.vouchersOutstanding()).to.equal(1n);
      await expect(f.escrow.connect(f.buyer).cancelVoucher(f.id)).to.emit(f.escrow, "VoucherCanceled").withArgs(f.id);
      expect(await f.escrow.balanceOf(f.buyer.address, 1n)).to.equal(0n);
      expect(await f.escrow.vouchersOutstanding()).to.equal(0n);
      expect((await f.escrow.getExchange(f.id)).state).to.equal(S.Canceled);
      await expect(f.escrow.connect(f.buyer).cancelVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidState")
        .withArgs(f.id, S.Canceled);
    });

    it("VoucherEscrow: revokeVoucher is the offer seller's only (NotOfferSeller) and emits VoucherRevoked", async () => {
      const f = await loadFixture(committedFixture);
      await expect(f.escrow.connect(f.buyer).revokeVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotOfferSeller")
        .withArgs(f.id, f.buyer.address);
      await expect(f.escrow.connect(f.seller).revokeVoucher(f.id)).to.emit(f.escrow, "VoucherRevoked").withArgs(f.id);
      expect(await f.escrow.balanceOf(f.buyer.address, 1n)).to.equal(0n);
      await expect(f.escrow.connect(f.seller).revokeVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidState")
        .withArgs(f.id, S.Revoked);
    });

    it("VoucherEscrow: expireVoucher reverts TooEarly one second before validUntil", async () => {
      const f = await loadFixture(committedFixture);
      await time.setNextBlockTimestamp(f.validUntil - 1n);
      await expect(f.escrow.connect(f.other).expireVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooEarly")
        .withArgs(f.id, f.validUntil - 1n, f.validUntil);
    });

    it("VoucherEscrow: expireVoucher by anyone succeeds at validUntil and ends Canceled", async () => {
      const f = await loadFixture(committedFixture);
      await time.setNextBlockTimestamp(f.validUntil);
      await expect(f.escrow.connect(f.other).expireVoucher(f.id)).to.emit(f.escrow, "VoucherExpired").withArgs(f.id);
      expect((await f.escrow.getExchange(f.id)).state).to.equal(S.Canceled);
    });

    it("VoucherEscrow: redeemVoucher succeeds at validUntil, burns the voucher and records redeemedAt", async () => {
      const f = await loadFixture(committedFixture);
      await time.setNextBlockTimestamp(f.validUntil);
      await expect(f.escrow.connect(f.buyer).redeemVoucher(f.id)).to.emit(f.escrow, "VoucherRedeemed").withArgs(f.id);
      const ex = await f.escrow.getExchange(f.id);
      expect([ex.state, ex.redeemedAt]).to.deep.equal([S.Redeemed, f.validUntil]);
      expect(await f.escrow.balanceOf(f.buyer.address, 1n)).to.equal(0n);
    });

    it("VoucherEscrow: redeemVoucher reverts TooLate one second after validUntil, and NotBuyer for others", async () => {
      const f = await loadFixture(committedFixture);
      await expect(f.escrow.connect(f.other).redeemVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotBuyer")
        .withArgs(f.id, f.other.address);
      await time.setNextBlockTimestamp(f.validUntil + 1n);
      await expect(f.escrow.connect(f.buyer).redeemVoucher(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, f.validUntil + 1n, f.validUntil);
    });

    it("VoucherEscrow: completeExchange by the buyer succeeds at once, accrues points and emits ExchangeCompleted", async () => {
      const f = await loadFixture(redeemedFixture);
      await expect(f.escrow.connect(f.buyer).completeExchange(f.id))
        .to.emit(f.escrow, "ExchangeCompleted")
        .withArgs(f.id)
        .and.to.emit(f.sink, "PointsAccrued")
        .withArgs(f.seller.address, TERMS.price, f.aggregator.address, (TERMS.price * AGGREGATOR_POINTS_BPS) / 10_000n);
      expect(await f.sink.accrualCount()).to.equal(1n);
    });

    it("VoucherEscrow: completeExchange by another reverts TooEarly one second before redeemedAt + disputePeriod", async () => {
      const f = await loadFixture(redeemedFixture);
      const earliest = f.redeemedAt + DISPUTE_PERIOD;
      await time.setNextBlockTimestamp(earliest - 1n);
      await expect(f.escrow.connect(f.other).completeExchange(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooEarly")
        .withArgs(f.id, earliest - 1n, earliest);
      await time.setNextBlockTimestamp(earliest);
      await expect(f.escrow.connect(f.other).completeExchange(f.id)).to.emit(f.escrow, "ExchangeCompleted");
    });

    it("VoucherEscrow: completeExchange reverts InvalidState from Committed", async () => {
      const f = await loadFixture(committedFixture);
      await expect(f.escrow.connect(f.buyer).completeExchange(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidState")
        .withArgs(f.id, S.Committed);
    });

    it("VoucherEscrow: completeExchange is guarded against re-entry from the points sink", async () => {
      const f = await loadFixture(redeemedFixture);
      await f.sink.setReenter(f.escrowAddress);
      await expect(f.escrow.connect(f.buyer).completeExchange(f.id)).to.be.revertedWithCustomError(
        f.escrow,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("disputes", () => {
    it("VoucherEscrow: raiseDispute succeeds one second before redeemedAt + disputePeriod and sets the timeout", async () => {
      const f = await loadFixture(redeemedFixture);
      const last = f.redeemedAt + DISPUTE_PERIOD - 1n;
      await time.setNextBlockTimestamp(last);
      await expect(f.escrow.connect(f.buyer).raiseDispute(f.id))
        .to.emit(f.escrow, "DisputeRaised")
        .withArgs(f.id, last + RESOLUTION_PERIOD);
      const ex = await f.escrow.getExchange(f.id);
      expect([ex.state, ex.disputeState, ex.disputeTimeout]).to.deep.equal([
        S.Disputed,
        D.Resolving,
        last + RESOLUTION_PERIOD,
      ]);
    });

    it("VoucherEscrow: raiseDispute reverts TooLate at redeemedAt + disputePeriod, and NotBuyer for others", async () => {
      const f = await loadFixture(redeemedFixture);
      await expect(f.escrow.connect(f.seller).raiseDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotBuyer")
        .withArgs(f.id, f.seller.address);
      const end = f.redeemedAt + DISPUTE_PERIOD;
      await time.setNextBlockTimestamp(end);
      await expect(f.escrow.connect(f.buyer).raiseDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, end, end - 1n);
    });

    it("VoucherEscrow: retractDispute is the buyer's (NotBuyer) and emits DisputeRetracted", async () => {
      const f = await loadFixture(resolvingFixture);
      await expect(f.escrow.connect(f.seller).retractDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotBuyer")
        .withArgs(f.id, f.seller.address);
      await expect(f.escrow.connect(f.buyer).retractDispute(f.id)).to.emit(f.escrow, "DisputeRetracted").withArgs(f.id);
      await expect(f.escrow.connect(f.buyer).retractDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidDisputeState")
        .withArgs(f.id, D.Retracted);
    });

    it("VoucherEscrow: dispute calls revert InvalidState before a dispute is raised", async () => {
      const f = await loadFixture(redeemedFixture);
      await expect(f.escrow.connect(f.buyer).retractDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidState")
        .withArgs(f.id, S.Redeemed);
      await expect(f.escrow.connect(f.buyer).proposeResolution(f.id, 1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidState")
        .withArgs(f.id, S.Redeemed);
      await expect(f.escrow.connect(f.resolver).decideDispute(f.id, 1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidState")
        .withArgs(f.id, S.Redeemed);
    });

    it("VoucherEscrow: expireDispute reverts TooEarly at the timeout and ends Retracted one second later", async () => {
      const f = await loadFixture(resolvingFixture);
      await time.setNextBlockTimestamp(f.timeout);
      await expect(f.escrow.connect(f.other).expireDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooEarly")
        .withArgs(f.id, f.timeout, f.timeout + 1n);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.other).expireDispute(f.id)).to.emit(f.escrow, "DisputeExpired").withArgs(f.id);
      expect((await f.escrow.getExchange(f.id)).disputeState).to.equal(D.Retracted);
    });

    it("VoucherEscrow: expireDispute reverts InvalidDisputeState once escalated", async () => {
      const f = await loadFixture(escalatedFixture);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.other).expireDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidDisputeState")
        .withArgs(f.id, D.Escalated);
    });

    it("VoucherEscrow: proposeResolution stores each side's proposal and emits ResolutionProposed", async () => {
      const f = await loadFixture(resolvingFixture);
      await expect(f.escrow.connect(f.buyer).proposeResolution(f.id, 7_000n))
        .to.emit(f.escrow, "ResolutionProposed")
        .withArgs(f.id, f.buyer.address, 7_000n);
      await f.escrow.connect(f.seller).proposeResolution(f.id, 2_000n);
      await f.escrow.connect(f.seller).proposeResolution(f.id, 2_500n);
      const ex = await f.escrow.getExchange(f.id);
      expect([ex.buyerProposed, ex.buyerProposalBps, ex.sellerProposed, ex.sellerProposalBps]).to.deep.equal([
        true,
        7_000n,
        true,
        2_500n,
      ]);
    });

    it("VoucherEscrow: proposeResolution reverts NotParty, then InvalidBps above 10_000 (10_000 accepted)", async () => {
      const f = await loadFixture(resolvingFixture);
      await expect(f.escrow.connect(f.resolver).proposeResolution(f.id, 10_001n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotParty")
        .withArgs(f.id, f.resolver.address);
      await expect(f.escrow.connect(f.buyer).proposeResolution(f.id, 10_001n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidBps")
        .withArgs(10_001n);
      await expect(f.escrow.connect(f.buyer).proposeResolution(f.id, 10_000n)).not.to.revert(ethers);
    });

    it("VoucherEscrow: proposeResolution succeeds at the timeout and reverts TooLate one second after", async () => {
      const f = await loadFixture(resolvingFixture);
      await time.setNextBlockTimestamp(f.timeout);
      await expect(f.escrow.connect(f.seller).proposeResolution(f.id, 1n)).not.to.revert(ethers);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.seller).proposeResolution(f.id, 1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, f.timeout + 1n, f.timeout);
    });

    it("VoucherEscrow: acceptResolution reverts NoProposal until the other side proposes, then ends Resolved", async () => {
      const f = await loadFixture(resolvingFixture);
      await f.escrow.connect(f.buyer).proposeResolution(f.id, 9_000n);
      await expect(f.escrow.connect(f.buyer).acceptResolution(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNoProposal")
        .withArgs(f.id);
      await expect(f.escrow.connect(f.other).acceptResolution(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotParty")
        .withArgs(f.id, f.other.address);
      await expect(f.escrow.connect(f.seller).acceptResolution(f.id))
        .to.emit(f.escrow, "DisputeResolved")
        .withArgs(f.id, 9_000n);
      expect((await f.escrow.getExchange(f.id)).disputeState).to.equal(D.Resolved);
    });

    it("VoucherEscrow: acceptResolution reverts TooLate one second after the timeout", async () => {
      const f = await loadFixture(resolvingFixture);
      await f.escrow.connect(f.seller).proposeResolution(f.id, 1_000n);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.buyer).acceptResolution(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, f.timeout + 1n, f.timeout);
    });

    it("VoucherEscrow: escalateDispute at the timeout pulls E, sets the escalation timeout, emits DisputeEscalated", async () => {
      const f = await loadFixture(resolvingFixture);
      await time.setNextBlockTimestamp(f.timeout);
      const tx = f.escrow.connect(f.buyer).escalateDispute(f.id);
      await expect(tx)
        .to.emit(f.escrow, "DisputeEscalated")
        .withArgs(f.id, E, f.timeout + ESCALATION_PERIOD);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.buyer, f.escrow], [-E, E]);
      const ex = await f.escrow.getExchange(f.id);
      expect([ex.disputeState, ex.escalated, ex.escalationDeposit]).to.deep.equal([D.Escalated, true, E]);
      expect(await f.escrow.totalEncumbered()).to.equal(1_300n + E);
      await expectInvariant(f);
    });

    it("VoucherEscrow: escalateDispute reverts TooLate one second after the timeout, NotBuyer, and once escalated", async () => {
      const f = await loadFixture(resolvingFixture);
      await expect(f.escrow.connect(f.seller).escalateDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotBuyer")
        .withArgs(f.id, f.seller.address);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.buyer).escalateDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, f.timeout + 1n, f.timeout);
      const g = await loadFixture(escalatedFixture);
      await expect(g.escrow.connect(g.buyer).escalateDispute(g.id))
        .to.be.revertedWithCustomError(g.escrow, "VoucherEscrowInvalidDisputeState")
        .withArgs(g.id, D.Escalated);
    });

    it("VoucherEscrow: escalateDispute surfaces the buyer's ERC20 allowance error", async () => {
      const f = await loadFixture(resolvingFixture);
      await f.token.connect(f.buyer).approve(f.escrowAddress, E - 1n);
      await expect(f.escrow.connect(f.buyer).escalateDispute(f.id))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.escrowAddress, E - 1n, E);
    });

    it("VoucherEscrow: decideDispute succeeds at the timeout (Decided); reverts NotResolver and InvalidBps", async () => {
      const f = await loadFixture(escalatedFixture);
      await expect(f.escrow.connect(f.seller).decideDispute(f.id, 1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotResolver")
        .withArgs(f.id, f.seller.address);
      await expect(f.escrow.connect(f.resolver).decideDispute(f.id, 10_001n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInvalidBps")
        .withArgs(10_001n);
      await time.setNextBlockTimestamp(f.timeout);
      await expect(f.escrow.connect(f.resolver).decideDispute(f.id, 10_000n))
        .to.emit(f.escrow, "DisputeDecided")
        .withArgs(f.id, 10_000n);
      expect((await f.escrow.getExchange(f.id)).disputeState).to.equal(D.Decided);
    });

    it("VoucherEscrow: decideDispute reverts TooLate one second after the timeout, and InvalidDisputeState before escalation", async () => {
      const f = await loadFixture(escalatedFixture);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.resolver).decideDispute(f.id, 1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, f.timeout + 1n, f.timeout);
      const g = await loadFixture(resolvingFixture);
      await expect(g.escrow.connect(g.resolver).decideDispute(g.id, 1n))
        .to.be.revertedWithCustomError(g.escrow, "VoucherEscrowInvalidDisputeState")
        .withArgs(g.id, D.Resolving);
    });

    it("VoucherEscrow: refuseEscalatedDispute succeeds at the timeout, reverts TooLate after and NotResolver", async () => {
      const f = await loadFixture(escalatedFixture);
      await expect(f.escrow.connect(f.buyer).refuseEscalatedDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowNotResolver")
        .withArgs(f.id, f.buyer.address);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.resolver).refuseEscalatedDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooLate")
        .withArgs(f.id, f.timeout + 1n, f.timeout);
      const g = await loadFixture(escalatedFixture);
      await time.setNextBlockTimestamp(g.timeout);
      await expect(g.escrow.connect(g.resolver).refuseEscalatedDispute(g.id))
        .to.emit(g.escrow, "EscalatedDisputeRefused")
        .withArgs(g.id);
    });

    it("VoucherEscrow: expireEscalatedDispute reverts TooEarly at the timeout and ends Refused one second later", async () => {
      const f = await loadFixture(escalatedFixture);
      await time.setNextBlockTimestamp(f.timeout);
      await expect(f.escrow.connect(f.other).expireEscalatedDispute(f.id))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowTooEarly")
        .withArgs(f.id, f.timeout, f.timeout + 1n);
      await time.setNextBlockTimestamp(f.timeout + 1n);
      await expect(f.escrow.connect(f.other).expireEscalatedDispute(f.id))
        .to.emit(f.escrow, "EscalatedDisputeExpired")
        .withArgs(f.id);
      expect((await f.escrow.getExchange(f.id)).disputeState).to.equal(D.Refused);
    });

    it("VoucherEscrow: a standing proposal survives escalation and can still be accepted", async () => {
      const f = await loadFixture(resolvingFixture);
      await f.escrow.connect(f.seller).proposeResolution(f.id, 4_000n);
      await f.escrow.connect(f.buyer).escalateDispute(f.id);
      await expect(f.escrow.connect(f.buyer).acceptResolution(f.id))
        .to.emit(f.escrow, "DisputeResolved")
        .withArgs(f.id, 4_000n);
    });
  });

  describe("payoffs (design.md table), checked on every ledger entity", () => {
    type Drive = (f: ExchangeSystem) => Promise<unknown>;
    const at = async (t: bigint): Promise<void> => time.setNextBlockTimestamp(t);
    const redeemRaise = async (f: ExchangeSystem): Promise<void> => {
      await f.escrow.connect(f.buyer).redeemVoucher(f.id);
      await f.escrow.connect(f.buyer).raiseDispute(f.id);
    };
    const redeemRaiseEscalate = async (f: ExchangeSystem): Promise<void> => {
      await redeemRaise(f);
      await f.escrow.connect(f.buyer).escalateDispute(f.id);
    };
    const rows: [string, Ending, Drive][] = [
      [
        "Completed by the buyer",
        { terminal: "Completed", escalated: false },
        async (f) => {
          await f.escrow.connect(f.buyer).redeemVoucher(f.id);
          await f.escrow.connect(f.buyer).completeExchange(f.id);
        },
      ],
      [
        "Completed by anyone after the dispute period",
        { terminal: "Completed", escalated: false },
        async (f) => {
          await f.escrow.connect(f.buyer).redeemVoucher(f.id);
          const { redeemedAt } = await f.escrow.getExchange(f.id);
          await at(redeemedAt + DISPUTE_PERIOD);
          await f.escrow.connect(f.other).completeExchange(f.id);
        },
      ],
      ["Revoked", { terminal: "Revoked", escalated: false }, (f) => f.escrow.connect(f.seller).revokeVoucher(f.id)],
      ["Canceled", { terminal: "Canceled", escalated: false }, (f) => f.escrow.connect(f.buyer).cancelVoucher(f.id)],
      [
        "Canceled by expiry",
        { terminal: "Canceled", escalated: false },
        async (f) => {
          await at(f.validUntil);
          await f.escrow.connect(f.other).expireVoucher(f.id);
        },
      ],
      [
        "Retracted by the buyer",
        { terminal: "Retracted", escalated: false },
        async (f) => {
          await redeemRaise(f);
          await f.escrow.connect(f.buyer).retractDispute(f.id);
        },
      ],
      [
        "Retracted by expiry",
        { terminal: "Retracted", escalated: false },
        async (f) => {
          await redeemRaise(f);
          await at((await f.escrow.getExchange(f.id)).disputeTimeout + 1n);
          await f.escrow.connect(f.other).expireDispute(f.id);
        },
      ],
      [
        "Retracted after escalation",
        { terminal: "Retracted", escalated: true },
        async (f) => {
          await redeemRaiseEscalate(f);
          await f.escrow.connect(f.buyer).retractDispute(f.id);
        },
      ],
      [
        "Refused by the resolver",
        { terminal: "Refused", escalated: true },
        async (f) => {
          await redeemRaiseEscalate(f);
          await f.escrow.connect(f.resolver).refuseEscalatedDispute(f.id);
        },
      ],
      [
        "Refused by expiry",
        { terminal: "Refused", escalated: true },
        async (f) => {
          await redeemRaiseEscalate(f);
          await at((await f.escrow.getExchange(f.id)).disputeTimeout + 1n);
          await f.escrow.connect(f.other).expireEscalatedDispute(f.id);
        },
      ],
      [
        "Resolved (seller proposes, buyer accepts)",
        { terminal: "Resolved", escalated: false, buyerPercentBps: 3_333n },
        async (f) => {
          await redeemRaise(f);
          await f.escrow.connect(f.seller).proposeResolution(f.id, 3_333n);
          await f.escrow.connect(f.buyer).acceptResolution(f.id);
        },
      ],
      [
        "Resolved after escalation (buyer proposes, seller accepts)",
        { terminal: "Resolved", escalated: true, buyerPercentBps: 6_667n },
        async (f) => {
          await redeemRaiseEscalate(f);
          await f.escrow.connect(f.buyer).proposeResolution(f.id, 6_667n);
          await f.escrow.connect(f.seller).acceptResolution(f.id);
        },
      ],
      ...[0n, 3_333n, 10_000n].map((bp): [string, Ending, Drive] => [
        `Decided at ${bp} bps`,
        { terminal: "Decided", escalated: true, buyerPercentBps: bp },
        async (f) => {
          await redeemRaiseEscalate(f);
          await f.escrow.connect(f.resolver).decideDispute(f.id, bp);
        },
      ]),
    ];

    for (const [name, ending, drive] of rows) {
      it(`VoucherEscrow: credits seller, buyer, resolver, ecosystem fund and points sink when ${name}`, async () => {
        const f = await loadFixture(committedFixture);
        const before = await funds(f);
        const encumberedBefore = await f.escrow.totalEncumbered();
        await drive(f);
        const after = await funds(f);
        const want = expectedPayoff(ending, TERMS, FEE);
        const eco = ecoPart(want.fee, ECO_BPS);
        expect({
          seller: after.seller - before.seller,
          buyer: after.buyer - before.buyer,
          resolver: after.resolver - before.resolver,
          eco: after.eco - before.eco,
          sink: after.sink - before.sink,
        }).to.deep.equal({
          seller: want.seller,
          buyer: want.buyer,
          resolver: want.resolver,
          eco,
          sink: want.fee - eco,
        });
        expect(encumberedBefore).to.equal(1_300n);
        expect(await f.escrow.totalEncumbered()).to.equal(0n);
        expect(await f.escrow.protocolFeesCollected()).to.equal(want.fee);
        expect(await f.escrow.ecosystemFeesCredited()).to.equal(eco);
        expect(await f.escrow.rewardsFeesCredited()).to.equal(want.fee - eco);
        expect(await f.sink.accrualCount()).to.equal(ending.terminal === "Completed" ? 1n : 0n);
        expect(await f.sink.feesAccrued(), "the sink is told its credit").to.equal(want.fee - eco);
        await expectInvariant(f);
      });
    }

    it("VoucherEscrow: FundsReleased and ProtocolFeeCollected report the split of a completion", async () => {
      const f = await loadFixture(redeemedFixture);
      const eco = ecoPart(FEE, ECO_BPS);
      await expect(f.escrow.connect(f.buyer).completeExchange(f.id))
        .to.emit(f.escrow, "FundsReleased")
        .withArgs(f.id, TERMS.price + TERMS.sellerDeposit - FEE + TERMS.disputeResolverFee, 0n, 0n, FEE)
        .and.to.emit(f.escrow, "ProtocolFeeCollected")
        .withArgs(f.id, FEE, eco, FEE - eco);
    });

    it("VoucherEscrow: splits a fee at the ecosystem share current at collection", async () => {
      const f = await loadFixture(redeemedFixture);
      await f.feeManager.connect(f.roles.governance).setEcoBps(10_000n);
      await f.escrow.connect(f.buyer).completeExchange(f.id);
      expect(await f.escrow.availableFunds(f.roles.ecosystemFund.address)).to.equal(FEE);
      expect(await f.escrow.availableFunds(await f.sink.getAddress())).to.equal(0n);
      expect(await f.sink.feeAccrualCount(), "a zero rewards part is not told").to.equal(0n);
    });

    it("VoucherEscrow: the points sink withdraws its fee credits through the ledger", async () => {
      const f = await loadFixture(redeemedFixture);
      await f.escrow.connect(f.buyer).completeExchange(f.id);
      const credit = FEE - ecoPart(FEE, ECO_BPS);
      await expect(f.sink.withdraw(f.escrowAddress, credit)).to.changeTokenBalances(
        ethers,
        f.token,
        [f.sink, f.escrow],
        [credit, -credit],
      );
      await expect(f.sink.withdraw(f.escrowAddress, 1n))
        .to.be.revertedWithCustomError(f.escrow, "VoucherEscrowInsufficientFunds")
        .withArgs(await f.sink.getAddress(), 0n, 1n);
      await expectInvariant(f);
    });
  });

  describe("counters", () => {
    it("VoucherEscrow: counts exchanges per state and per dispute state on every transition", async () => {
      const f = await loadFixture(offerFixture);
      const e = f.escrow;
      for (let i = 0; i < 4; i++) await e.connect(f.buyer).commitToOffer(1n);
      await e.connect(f.buyer).cancelVoucher(1n);
      await e.connect(f.buyer).redeemVoucher(2n);
      await e.connect(f.buyer).redeemVoucher(3n);
      await e.connect(f.buyer).raiseDispute(3n);
      await e.connect(f.buyer).escalateDispute(3n);
      const byState = async (): Promise<bigint[]> =>
        Promise.all(Object.values(S).map((s) => e.exchangeCountByState(s)));
      const byDispute = async (): Promise<bigint[]> =>
        Promise.all(Object.values(D).map((s) => e.disputeCountByState(s)));
      // None, Committed, Revoked, Canceled, Redeemed, Completed, Disputed
      expect(await byState()).to.deep.equal([0n, 1n, 0n, 1n, 1n, 0n, 1n]);
      // None, Resolving, Retracted, Resolved, Escalated, Decided, Refused
      expect(await byDispute()).to.deep.equal([3n, 0n, 0n, 0n, 1n, 0n, 0n]);
      await e.connect(f.resolver).decideDispute(3n, 5_000n);
      await e.connect(f.buyer).completeExchange(2n);
      await e.connect(f.seller).revokeVoucher(4n);
      expect(await byState()).to.deep.equal([0n, 0n, 1n, 1n, 0n, 1n, 1n]);
      expect(await byDispute()).to.deep.equal([3n, 0n, 0n, 0n, 0n, 1n, 0n]);
      expect(await e.exchangeCount()).to.equal(4n);
      expect(await e.totalEncumbered()).to.equal(0n);
      await expectInvariant(f);
    });
  });

  describe("randomised sequence", () => {
    it("VoucherEscrow: escrow balance equals totalEncumbered + totalAvailable after each of 200 seeded actions", async () => {
      const sys = await loadFixture(deployVoucherSystem);
      const ctx = await chainContext(sys);
      const generator = new ActionGenerator(
        20_260_101,
        chainPeek(sys),
        await actorsOf(sys),
        BigInt(await time.latest()) + 10n,
      );
      let succeeded = 0;
      for (let step = 0; step < 200; step++) {
        const timed = await generator.next();
        const outcome = await applyToChain(ctx, timed);
        if (outcome.ok) succeeded++;
        const balance = await sys.token.balanceOf(ctx.escrowAddress);
        const accounted = (await sys.escrow.totalEncumbered()) + (await sys.escrow.totalAvailable());
        expect(balance, `after step ${step}: ${describeAction(timed.action)}`).to.equal(accounted);
      }
      expect(succeeded, "successful actions").to.be.greaterThan(60);
      expect(await sys.escrow.exchangeCount()).to.be.greaterThan(10n);
    });
  });
});
