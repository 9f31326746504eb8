// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {FeeManager} from "../fees/FeeManager.sol";
import {IFundsLedger} from "../interfaces/IFundsLedger.sol";
import {IPointsSink} from "../interfaces/IPointsSink.sol";
import {FeeMath} from "../libraries/FeeMath.sol";

/// @title VoucherEscrow
/// @notice Commerce vouchers after Boson Protocol v2. Sellers list offers; a buyer commits to an offer by paying
/// its price, which mints a non-transferable ERC-1155 voucher (token id = offer id) and reserves the seller's
/// deposit and the dispute resolver's fee from the seller's available funds. The exchange then ends Revoked,
/// Canceled, Completed or Disputed (Retracted, Resolved, Decided or Refused), and its funds are credited to a
/// pull-based ledger (`availableFunds`, withdrawn with `withdrawFunds`).
///
/// Payoffs (p price, D seller deposit, pen buyer cancel penalty, f protocol fee fixed at offer creation,
/// E escalation deposit paid by the buyer or 0, bp the buyer's share in basis points):
///
/// | terminal           | seller                        | buyer                       | protocol |
/// | ------------------ | ----------------------------- | --------------------------- | -------- |
/// | Completed          | p + D - f                     | 0                           | f        |
/// | Revoked            | 0                             | p + D                       | 0        |
/// | Canceled / expired | D + pen                       | p - pen                     | 0        |
/// | Retracted          | p + D - f + E                 | 0                           | f        |
/// | Refused            | D                             | p + E                       | 0        |
/// | Resolved / Decided | (D+E) - ⌊(D+E)bp⌋ + p - ⌊p bp⌋ | ⌊(D+E)bp⌋ + ⌊p bp⌋          | 0        |
///
/// The resolver's fee (drFee) reserved at commit goes to the offer's resolver when an escalated dispute ends
/// Retracted, Resolved or Decided, and back to the seller in every other terminal. A collected protocol fee is
/// split with `feeManager.splitFee` at the ecosystem share current when the exchange ends (not at offer
/// creation): the ecosystem part is credited to `ecosystemFund`, the rewards part to the points sink's address, and
/// the points sink is told that amount (`accrueFees`) in the same transaction, so that it books the fee to the
/// epoch of its collection.
///
/// Every external function checks in this order: exchange (or offer) exists, exchange state, dispute state,
/// caller, time, arguments; every check comes before any write. Times are inclusive as documented per function;
/// `TooEarly`/`TooLate` carry the first/last timestamp at which the call would succeed. Arithmetic is checked:
/// a period so large that a deadline overflows reverts with `Panic(0x11)` where the deadline is computed.
///
/// Invariant: `exchangeToken.balanceOf(this) == totalEncumbered() + totalAvailable()`.
/// @dev Mirrored one to one by `simulation/model/vouchers.ts`. A buyer that is a contract must implement
/// `IERC1155Receiver` (the voucher mint calls it); the model assumes buyers without code.
contract VoucherEscrow is ERC1155, ReentrancyGuard, IFundsLedger {
    using SafeERC20 for IERC20;

    /// @notice Where an exchange stands. Revoked, Canceled and Completed are terminal; a Disputed exchange is
    /// terminal once its dispute is Retracted, Resolved, Decided or Refused.
    enum ExchangeState {
        None,
        Committed,
        Revoked,
        Canceled,
        Redeemed,
        Completed,
        Disputed
    }

    /// @notice Where an exchange's dispute stands; None for an exchange never disputed.
    enum DisputeState {
        None,
        Resolving,
        Retracted,
        Resolved,
        Escalated,
        Decided,
        Refused
    }

    /// @notice What a seller passes to `createOffer`. Amounts in exchange-token wei, periods in seconds.
    struct OfferParams {
        uint256 price;
        uint256 sellerDeposit;
        uint256 buyerCancelPenalty;
        uint256 quantity;
        uint256 voucherValiditySeconds;
        uint256 disputePeriodSeconds;
        uint256 resolutionPeriodSeconds;
        uint256 escalationResponsePeriodSeconds;
        address disputeResolver;
        uint256 disputeResolverFee;
    }

    /// @notice A stored offer. `protocolFee` is fixed at creation; `quantityAvailable` counts unsold vouchers.
    struct Offer {
        address seller;
        address disputeResolver;
        uint256 price;
        uint256 sellerDeposit;
        uint256 buyerCancelPenalty;
        uint256 protocolFee;
        uint256 disputeResolverFee;
        uint256 quantityAvailable;
        uint256 voucherValiditySeconds;
        uint256 disputePeriodSeconds;
        uint256 resolutionPeriodSeconds;
        uint256 escalationResponsePeriodSeconds;
    }

    /// @notice A stored exchange. Timestamps in seconds (0 until set). `disputeTimeout` is the last second of the
    /// current dispute phase (resolution, then escalation response). A proposal is a buyer share in basis points;
    /// standing proposals survive an escalation.
    struct Exchange {
        uint256 offerId;
        address buyer;
        ExchangeState state;
        DisputeState disputeState;
        bool escalated;
        bool buyerProposed;
        bool sellerProposed;
        uint16 buyerProposalBps;
        uint16 sellerProposalBps;
        uint256 validUntil;
        uint256 redeemedAt;
        uint256 disputeTimeout;
        uint256 escalationDeposit;
    }

    /// @dev basis points; 10_000 = 100%. The escalation deposit is this share of the resolver's fee.
    uint256 public constant ESCALATION_DEPOSIT_BPS = 1_000;

    /// @dev Number of values of `ExchangeState` and of `DisputeState`.
    uint256 private constant STATE_COUNT = 7;

    IERC20 private immutable _exchangeToken;
    FeeManager private immutable _feeManager;
    IPointsSink private immutable _pointsSink;
    address private immutable _ecosystemFund;
    /// @dev basis points; 10_000 = 100%. Aggregator points per point of a completed exchange.
    uint256 private immutable _aggregatorPointsBps;

    /// @dev seller => the aggregator that recruited it; zero for an unregistered account.
    mapping(address seller => address aggregator) private _sellerAggregator;
    /// @dev entity => withdrawable exchange-token wei.
    mapping(address entity => uint256 amount) private _availableFunds;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 exchangeId => Exchange) private _exchanges;

    uint256 private _offerCount;
    uint256 private _exchangeCount;
    /// @dev exchange-token wei locked in open exchanges: p + D + drFee each, plus E once escalated.
    uint256 private _totalEncumbered;
    /// @dev exchange-token wei credited to the ledger: the sum of `_availableFunds`.
    uint256 private _totalAvailable;
    uint256 private _protocolFeesCollected;
    uint256 private _ecosystemFeesCredited;
    uint256 private _rewardsFeesCredited;
    uint256[STATE_COUNT] private _exchangeCountByState;
    uint256[STATE_COUNT] private _disputeCountByState;

    event SellerRegistered(address indexed seller, address indexed aggregator);
    event FundsDeposited(address indexed entity, uint256 amount);
    event FundsWithdrawn(address indexed entity, uint256 amount);
    event OfferCreated(uint256 indexed offerId, address indexed seller, uint256 price, uint256 protocolFee, uint256 quantity);
    event VoucherCommitted(uint256 indexed exchangeId, uint256 indexed offerId, address indexed buyer, uint256 validUntil);
    event VoucherCanceled(uint256 indexed exchangeId);
    event VoucherRevoked(uint256 indexed exchangeId);
    event VoucherExpired(uint256 indexed exchangeId);
    event VoucherRedeemed(uint256 indexed exchangeId);
    event ExchangeCompleted(uint256 indexed exchangeId);
    event DisputeRaised(uint256 indexed exchangeId, uint256 timeout);
    event DisputeRetracted(uint256 indexed exchangeId);
    event DisputeExpired(uint256 indexed exchangeId);
    event ResolutionProposed(uint256 indexed exchangeId, address indexed proposer, uint256 buyerPercentBps);
    event DisputeResolved(uint256 indexed exchangeId, uint256 buyerPercentBps);
    event DisputeEscalated(uint256 indexed exchangeId, uint256 escalationDeposit, uint256 timeout);
    event DisputeDecided(uint256 indexed exchangeId, uint256 buyerPercentBps);
    event EscalatedDisputeRefused(uint256 indexed exchangeId);
    event EscalatedDisputeExpired(uint256 indexed exchangeId);
    /// @notice An exchange ended and its encumbrance was credited to the ledger.
    event FundsReleased(
        uint256 indexed exchangeId,
        uint256 sellerAmount,
        uint256 buyerAmount,
        uint256 resolverAmount,
        uint256 protocolFee
    );
    /// @notice A protocol fee was collected and split between the ecosystem fund and the rewards pool.
    event ProtocolFeeCollected(uint256 indexed exchangeId, uint256 fee, uint256 ecosystemAmount, uint256 rewardsAmount);

    error VoucherEscrowInvalidAddress();
    error VoucherEscrowInvalidBps(uint256 bps);
    error VoucherEscrowSellerExists(address seller);
    error VoucherEscrowNotSeller(address caller);
    error VoucherEscrowZeroAmount();
    error VoucherEscrowInsufficientFunds(address entity, uint256 available, uint256 requested);
    error VoucherEscrowZeroQuantity();
    error VoucherEscrowPenaltyAbovePrice(uint256 penalty, uint256 price);
    error VoucherEscrowZeroPeriod();
    error VoucherEscrowNoSuchOffer(uint256 offerId);
    error VoucherEscrowSoldOut(uint256 offerId);
    error VoucherEscrowInsufficientDeposit(address seller, uint256 available, uint256 required);
    error VoucherEscrowNoSuchExchange(uint256 exchangeId);
    error VoucherEscrowInvalidState(uint256 exchangeId, ExchangeState state);
    error VoucherEscrowInvalidDisputeState(uint256 exchangeId, DisputeState state);
    error VoucherEscrowNotBuyer(uint256 exchangeId, address caller);
    error VoucherEscrowNotOfferSeller(uint256 exchangeId, address caller);
    error VoucherEscrowNotResolver(uint256 exchangeId, address caller);
    error VoucherEscrowNotParty(uint256 exchangeId, address caller);
    error VoucherEscrowTooEarly(uint256 exchangeId, uint256 nowTs, uint256 earliest);
    error VoucherEscrowTooLate(uint256 exchangeId, uint256 nowTs, uint256 latest);
    error VoucherEscrowNoProposal(uint256 exchangeId);
    error VoucherEscrowNonTransferable();

    /// @notice Deploys the escrow.
    /// @dev Check order: `VoucherEscrowInvalidAddress()` if any of exchangeToken_, feeManager_,
    /// pointsSink_ and ecosystemFund_ is zero, then `VoucherEscrowInvalidBps(aggregatorPointsBps_)` above 10_000.
    /// @param exchangeToken_ The token in which offers are priced, deposits made and funds withdrawn.
    /// @param feeManager_ Supplies the protocol fee (read at offer creation) and the fee split (read at collection).
    /// @param pointsSink_ Receives `accruePoints` on every completed exchange and the rewards part of each fee.
    /// @param ecosystemFund_ Receives the ecosystem part of each fee.
    /// @param aggregatorPointsBps_ The aggregator's points per seller point, in basis points; at most 10_000.
    constructor(
        IERC20 exchangeToken_,
        FeeManager feeManager_,
        IPointsSink pointsSink_,
        address ecosystemFund_,
        uint256 aggregatorPointsBps_
    ) ERC1155("") {
        if (
            address(exchangeToken_) == address(0) ||
            address(feeManager_) == address(0) ||
            address(pointsSink_) == address(0) ||
            ecosystemFund_ == address(0)
        ) revert VoucherEscrowInvalidAddress();
        if (aggregatorPointsBps_ > FeeMath.BPS_DENOMINATOR) revert VoucherEscrowInvalidBps(aggregatorPointsBps_);
        _exchangeToken = exchangeToken_;
        _feeManager = feeManager_;
        _pointsSink = pointsSink_;
        _ecosystemFund = ecosystemFund_;
        _aggregatorPointsBps = aggregatorPointsBps_;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Sellers and the funds ledger
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Registers the caller as a seller recruited by `aggregator`.
    /// @dev Check order: `VoucherEscrowInvalidAddress()` if aggregator is zero, then
    /// `VoucherEscrowSellerExists(caller)`. Emits {SellerRegistered}.
    /// @param aggregator The aggregator credited with points on the seller's completed exchanges.
    function registerSeller(address aggregator) external {
        if (aggregator == address(0)) revert VoucherEscrowInvalidAddress();
        if (_sellerAggregator[msg.sender] != address(0)) revert VoucherEscrowSellerExists(msg.sender);
        _sellerAggregator[msg.sender] = aggregator;
        emit SellerRegistered(msg.sender, aggregator);
    }

    /// @notice Pulls `amount` exchange-token wei from the caller (who must have approved it) into the caller's
    /// available funds.
    /// @dev Check order: `VoucherEscrowZeroAmount()`, `Panic(0x11)` if the credit overflows, then the token's own
    /// errors (OpenZeppelin ERC20: allowance, then balance). Emits {FundsDeposited}.
    /// @param amount The amount, in exchange-token wei.
    function depositFunds(uint256 amount) external nonReentrant {
        if (amount == 0) revert VoucherEscrowZeroAmount();
        _availableFunds[msg.sender] += amount;
        _totalAvailable += amount;
        emit FundsDeposited(msg.sender, amount);
        _exchangeToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Sends `amount` of the caller's available funds to the caller.
    /// @dev Check order: `VoucherEscrowZeroAmount()`, then
    /// `VoucherEscrowInsufficientFunds(caller, available, amount)`. Emits {FundsWithdrawn}.
    /// @param amount The amount, in exchange-token wei.
    function withdrawFunds(uint256 amount) external nonReentrant {
        if (amount == 0) revert VoucherEscrowZeroAmount();
        uint256 available = _availableFunds[msg.sender];
        if (available < amount) revert VoucherEscrowInsufficientFunds(msg.sender, available, amount);
        unchecked {
            // amount <= available (checked above) and available <= _totalAvailable (it is one of its terms).
            _availableFunds[msg.sender] = available - amount;
            _totalAvailable -= amount;
        }
        emit FundsWithdrawn(msg.sender, amount);
        _exchangeToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Offers and commitments
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Lists an offer of `p.quantity` vouchers; its protocol fee is fixed now at the current fee rate.
    /// @dev Check order: `VoucherEscrowNotSeller(caller)`, `VoucherEscrowZeroQuantity()`,
    /// `VoucherEscrowPenaltyAbovePrice(penalty, price)`, `VoucherEscrowZeroPeriod()` (any of the four periods),
    /// `VoucherEscrowInvalidAddress()` (resolver). Offer ids start at 1. Emits {OfferCreated}.
    /// @param p The offer's terms.
    /// @return offerId The new offer's id, also the id of its vouchers.
    function createOffer(OfferParams calldata p) external returns (uint256 offerId) {
        if (_sellerAggregator[msg.sender] == address(0)) revert VoucherEscrowNotSeller(msg.sender);
        if (p.quantity == 0) revert VoucherEscrowZeroQuantity();
        if (p.buyerCancelPenalty > p.price) revert VoucherEscrowPenaltyAbovePrice(p.buyerCancelPenalty, p.price);
        if (
            p.voucherValiditySeconds == 0 ||
            p.disputePeriodSeconds == 0 ||
            p.resolutionPeriodSeconds == 0 ||
            p.escalationResponsePeriodSeconds == 0
        ) revert VoucherEscrowZeroPeriod();
        if (p.disputeResolver == address(0)) revert VoucherEscrowInvalidAddress();
        uint256 fee = _feeManager.protocolFee(p.price);

        offerId = ++_offerCount;
        _offers[offerId] = Offer({
            seller: msg.sender,
            disputeResolver: p.disputeResolver,
            price: p.price,
            sellerDeposit: p.sellerDeposit,
            buyerCancelPenalty: p.buyerCancelPenalty,
            protocolFee: fee,
            disputeResolverFee: p.disputeResolverFee,
            quantityAvailable: p.quantity,
            voucherValiditySeconds: p.voucherValiditySeconds,
            disputePeriodSeconds: p.disputePeriodSeconds,
            resolutionPeriodSeconds: p.resolutionPeriodSeconds,
            escalationResponsePeriodSeconds: p.escalationResponsePeriodSeconds
        });
        emit OfferCreated(offerId, msg.sender, p.price, fee, p.quantity);
    }

    /// @notice Buys one voucher of `offerId`: reserves the seller's deposit and the resolver's fee from the
    /// seller's available funds, pulls the price from the caller and mints the voucher to the caller.
    /// @dev Check order: `VoucherEscrowNoSuchOffer(offerId)`, `VoucherEscrowSoldOut(offerId)`, `Panic(0x11)` if
    /// `sellerDeposit + drFee` overflows, `VoucherEscrowInsufficientDeposit(seller, available, sellerDeposit +
    /// drFee)`, `Panic(0x11)` if `now + voucherValiditySeconds` or then `totalEncumbered + price + sellerDeposit
    /// + drFee` overflows, then the token's errors on the price pull. Exchange ids start at 1. The voucher is valid
    /// until `now + voucherValiditySeconds` inclusive. Emits {VoucherCommitted}.
    /// @param offerId The offer.
    /// @return exchangeId The new exchange's id.
    function commitToOffer(uint256 offerId) external nonReentrant returns (uint256 exchangeId) {
        Offer storage offer = _offer(offerId);
        if (offer.quantityAvailable == 0) revert VoucherEscrowSoldOut(offerId);
        address seller = offer.seller;
        uint256 required = offer.sellerDeposit + offer.disputeResolverFee;
        uint256 available = _availableFunds[seller];
        if (available < required) revert VoucherEscrowInsufficientDeposit(seller, available, required);
        uint256 validUntil = block.timestamp + offer.voucherValiditySeconds;
        uint256 price = offer.price;

        unchecked {
            // quantityAvailable > 0 (checked above); required <= available <= _totalAvailable.
            offer.quantityAvailable -= 1;
            _availableFunds[seller] = available - required;
            _totalAvailable -= required;
        }
        _totalEncumbered += price + required;
        exchangeId = ++_exchangeCount;
        Exchange storage ex = _exchanges[exchangeId];
        ex.offerId = offerId;
        ex.buyer = msg.sender;
        ex.state = ExchangeState.Committed;
        ex.validUntil = validUntil;
        unchecked {
            // Bounded by _exchangeCount, itself bounded by the gas ever spent.
            ++_exchangeCountByState[uint256(ExchangeState.Committed)];
            ++_disputeCountByState[uint256(DisputeState.None)];
        }
        emit VoucherCommitted(exchangeId, offerId, msg.sender, validUntil);

        _exchangeToken.safeTransferFrom(msg.sender, address(this), price);
        _mint(msg.sender, offerId, 1, "");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Voucher life cycle
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The buyer cancels a committed voucher: seller gets D + pen, buyer p - pen.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Committed),
    /// `VoucherEscrowNotBuyer`. Any time. Emits {VoucherCanceled}, {FundsReleased}.
    /// @param exchangeId The exchange.
    function cancelVoucher(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireState(exchangeId, ex, ExchangeState.Committed);
        _requireBuyer(exchangeId, ex);
        _cancel(ex);
        emit VoucherCanceled(exchangeId);
        _releaseCanceled(exchangeId, ex);
    }

    /// @notice The offer's seller revokes a committed voucher: buyer gets p + D.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Committed),
    /// `VoucherEscrowNotOfferSeller`. Any time. Emits {VoucherRevoked}, {FundsReleased}.
    /// @param exchangeId The exchange.
    function revokeVoucher(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireState(exchangeId, ex, ExchangeState.Committed);
        Offer storage offer = _offers[ex.offerId];
        if (msg.sender != offer.seller) revert VoucherEscrowNotOfferSeller(exchangeId, msg.sender);
        _setState(ex, ExchangeState.Revoked);
        _burn(ex.buyer, ex.offerId, 1);
        emit VoucherRevoked(exchangeId);
        _release(exchangeId, offer, ex, offer.disputeResolverFee, offer.price + offer.sellerDeposit, 0, 0);
    }

    /// @notice Anyone expires a voucher not redeemed in time; it ends Canceled with the cancel payoff.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Committed),
    /// `VoucherEscrowTooEarly(id, now, validUntil)` unless `now >= validUntil`. Emits {VoucherExpired},
    /// {FundsReleased}.
    /// @param exchangeId The exchange.
    function expireVoucher(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireState(exchangeId, ex, ExchangeState.Committed);
        if (block.timestamp < ex.validUntil) revert VoucherEscrowTooEarly(exchangeId, block.timestamp, ex.validUntil);
        _cancel(ex);
        emit VoucherExpired(exchangeId);
        _releaseCanceled(exchangeId, ex);
    }

    /// @notice The buyer redeems a committed voucher, which burns it and opens the dispute period.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Committed),
    /// `VoucherEscrowNotBuyer`, `VoucherEscrowTooLate(id, now, validUntil)` unless `now <= validUntil`.
    /// Emits {VoucherRedeemed}.
    /// @param exchangeId The exchange.
    function redeemVoucher(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireState(exchangeId, ex, ExchangeState.Committed);
        _requireBuyer(exchangeId, ex);
        if (block.timestamp > ex.validUntil) revert VoucherEscrowTooLate(exchangeId, block.timestamp, ex.validUntil);
        _setState(ex, ExchangeState.Redeemed);
        ex.redeemedAt = block.timestamp;
        _burn(ex.buyer, ex.offerId, 1);
        emit VoucherRedeemed(exchangeId);
    }

    /// @notice Completes a redeemed exchange: seller gets p + D - f, the fee f is collected and split, and the
    /// points sink accrues `price` points to the seller and `price * aggregatorPointsBps / 10_000` (rounded down)
    /// to the seller's aggregator.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Redeemed), then, for a
    /// caller other than the buyer, `VoucherEscrowTooEarly(id, now, redeemedAt + disputePeriod)` unless
    /// `now - redeemedAt >= disputePeriod`. The buyer may complete at any time. Emits {ExchangeCompleted},
    /// {FundsReleased}, {ProtocolFeeCollected}; then calls the (trusted) points sink: `accruePoints`, then
    /// `accrueFees` with the rewards part of the fee (unless it is zero).
    /// @param exchangeId The exchange.
    function completeExchange(uint256 exchangeId) external nonReentrant {
        Exchange storage ex = _exchange(exchangeId);
        _requireState(exchangeId, ex, ExchangeState.Redeemed);
        Offer storage offer = _offers[ex.offerId];
        if (msg.sender != ex.buyer && block.timestamp - ex.redeemedAt < offer.disputePeriodSeconds) {
            revert VoucherEscrowTooEarly(exchangeId, block.timestamp, ex.redeemedAt + offer.disputePeriodSeconds);
        }
        _setState(ex, ExchangeState.Completed);
        emit ExchangeCompleted(exchangeId);
        uint256 price = offer.price;
        uint256 fee = offer.protocolFee;
        uint256 priceNet;
        unchecked {
            // fee = price * feeBps / 10_000 with feeBps <= 10_000, so fee <= price.
            priceNet = price - fee;
        }
        uint256 rewards = _release(
            exchangeId,
            offer,
            ex,
            priceNet + offer.sellerDeposit + offer.disputeResolverFee,
            0,
            0,
            fee
        );
        address seller = offer.seller;
        _pointsSink.accruePoints(
            seller,
            price,
            _sellerAggregator[seller],
            FeeMath.bpsOfDown(price, _aggregatorPointsBps)
        );
        _accrueFees(rewards);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Disputes
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The buyer disputes a redeemed exchange within the dispute period; the resolution period starts.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Redeemed),
    /// `VoucherEscrowNotBuyer`, `VoucherEscrowTooLate(id, now, redeemedAt + disputePeriod - 1)` unless
    /// `now - redeemedAt < disputePeriod`, `Panic(0x11)` if `now + resolutionPeriod` overflows. The dispute times
    /// out after `now + resolutionPeriod` (the last second of the phase). Emits {DisputeRaised}.
    /// @param exchangeId The exchange.
    function raiseDispute(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireState(exchangeId, ex, ExchangeState.Redeemed);
        _requireBuyer(exchangeId, ex);
        Offer storage offer = _offers[ex.offerId];
        if (block.timestamp - ex.redeemedAt >= offer.disputePeriodSeconds) {
            // redeemedAt + disputePeriod <= now, so neither the sum nor the `- 1` (disputePeriod > 0) can wrap.
            revert VoucherEscrowTooLate(exchangeId, block.timestamp, ex.redeemedAt + offer.disputePeriodSeconds - 1);
        }
        uint256 timeout = block.timestamp + offer.resolutionPeriodSeconds;
        _setState(ex, ExchangeState.Disputed);
        _setDisputeState(ex, DisputeState.Resolving);
        ex.disputeTimeout = timeout;
        emit DisputeRaised(exchangeId, timeout);
    }

    /// @notice The buyer withdraws an open dispute (Resolving or Escalated): the exchange ends Retracted, paid as
    /// a completion plus the escalation deposit to the seller; the resolver earns its fee if it was escalated.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Resolving or Escalated), `VoucherEscrowNotBuyer`. Any time.
    /// Emits {DisputeRetracted}, {FundsReleased}, {ProtocolFeeCollected}; then calls the (trusted) points sink's
    /// `accrueFees` with the rewards part of the fee (unless it is zero). No points accrue.
    /// @param exchangeId The exchange.
    function retractDispute(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireOpenDispute(exchangeId, ex);
        _requireBuyer(exchangeId, ex);
        _setDisputeState(ex, DisputeState.Retracted);
        emit DisputeRetracted(exchangeId);
        _releaseRetracted(exchangeId, ex);
    }

    /// @notice Anyone ends a dispute left Resolving past its timeout: it ends Retracted.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Resolving), `VoucherEscrowTooEarly(id, now, timeout + 1)` unless
    /// `now > timeout`. Emits {DisputeExpired}, {FundsReleased}, {ProtocolFeeCollected}; then calls the (trusted)
    /// points sink's `accrueFees` with the rewards part of the fee (unless it is zero).
    /// @param exchangeId The exchange.
    function expireDispute(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireDisputeState(exchangeId, ex, DisputeState.Resolving);
        _requireAfterTimeout(exchangeId, ex);
        _setDisputeState(ex, DisputeState.Retracted);
        emit DisputeExpired(exchangeId);
        _releaseRetracted(exchangeId, ex);
    }

    /// @notice The buyer or the offer's seller proposes the buyer's share `buyerPercentBps` of the escrowed
    /// amounts, replacing the caller's side's previous proposal. The buyer's side wins if the buyer is also the
    /// seller.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Resolving or Escalated), `VoucherEscrowNotParty`,
    /// `VoucherEscrowTooLate(id, now, timeout)` unless `now <= timeout`, `VoucherEscrowInvalidBps(bps)` above
    /// 10_000. Emits {ResolutionProposed}.
    /// @param exchangeId The exchange.
    /// @param buyerPercentBps The buyer's share, in basis points.
    function proposeResolution(uint256 exchangeId, uint256 buyerPercentBps) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireOpenDispute(exchangeId, ex);
        bool isBuyer = _requireParty(exchangeId, ex);
        _requireBeforeTimeout(exchangeId, ex);
        _requireBps(buyerPercentBps);
        // buyerPercentBps <= 10_000 < 2^16 (checked above), so the cast is exact.
        if (isBuyer) {
            ex.buyerProposed = true;
            ex.buyerProposalBps = uint16(buyerPercentBps);
        } else {
            ex.sellerProposed = true;
            ex.sellerProposalBps = uint16(buyerPercentBps);
        }
        emit ResolutionProposed(exchangeId, msg.sender, buyerPercentBps);
    }

    /// @notice A party accepts the other party's standing proposal: the dispute ends Resolved at that share.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Resolving or Escalated), `VoucherEscrowNotParty`,
    /// `VoucherEscrowTooLate(id, now, timeout)` unless `now <= timeout`, `VoucherEscrowNoProposal(id)` if the
    /// other side has not proposed. The buyer accepts the seller's proposal and the seller the buyer's (a buyer
    /// who is also the seller counts as the buyer). Emits {DisputeResolved}, {FundsReleased}.
    /// @param exchangeId The exchange.
    function acceptResolution(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireOpenDispute(exchangeId, ex);
        bool isBuyer = _requireParty(exchangeId, ex);
        _requireBeforeTimeout(exchangeId, ex);
        if (isBuyer ? !ex.sellerProposed : !ex.buyerProposed) revert VoucherEscrowNoProposal(exchangeId);
        uint256 buyerPercentBps = isBuyer ? ex.sellerProposalBps : ex.buyerProposalBps;
        _setDisputeState(ex, DisputeState.Resolved);
        emit DisputeResolved(exchangeId, buyerPercentBps);
        _releaseSplit(exchangeId, ex, buyerPercentBps);
    }

    /// @notice The buyer escalates a Resolving dispute to the offer's resolver, paying the escalation deposit
    /// E = drFee * 1_000 / 10_000 (rounded down); the escalation response period starts.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Resolving), `VoucherEscrowNotBuyer`,
    /// `VoucherEscrowTooLate(id, now, timeout)` unless `now <= timeout`, `Panic(0x11)` if
    /// `now + escalationResponsePeriod` or `totalEncumbered + E` overflows, then the token's errors on the deposit
    /// pull. The new timeout is `now + escalationResponsePeriod`. Emits {DisputeEscalated}.
    /// @param exchangeId The exchange.
    function escalateDispute(uint256 exchangeId) external nonReentrant {
        Exchange storage ex = _exchange(exchangeId);
        _requireDisputeState(exchangeId, ex, DisputeState.Resolving);
        _requireBuyer(exchangeId, ex);
        _requireBeforeTimeout(exchangeId, ex);
        Offer storage offer = _offers[ex.offerId];
        uint256 deposit = FeeMath.bpsOfDown(offer.disputeResolverFee, ESCALATION_DEPOSIT_BPS);
        uint256 timeout = block.timestamp + offer.escalationResponsePeriodSeconds;
        _setDisputeState(ex, DisputeState.Escalated);
        ex.escalated = true;
        ex.escalationDeposit = deposit;
        ex.disputeTimeout = timeout;
        _totalEncumbered += deposit;
        emit DisputeEscalated(exchangeId, deposit, timeout);
        _exchangeToken.safeTransferFrom(msg.sender, address(this), deposit);
    }

    /// @notice The offer's resolver decides an escalated dispute: the buyer gets `buyerPercentBps` of the
    /// escrowed amounts and the resolver its fee.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Escalated), `VoucherEscrowNotResolver`,
    /// `VoucherEscrowTooLate(id, now, timeout)` unless `now <= timeout`, `VoucherEscrowInvalidBps(bps)` above
    /// 10_000. Emits {DisputeDecided}, {FundsReleased}.
    /// @param exchangeId The exchange.
    /// @param buyerPercentBps The buyer's share, in basis points.
    function decideDispute(uint256 exchangeId, uint256 buyerPercentBps) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireDisputeState(exchangeId, ex, DisputeState.Escalated);
        _requireResolver(exchangeId, ex);
        _requireBeforeTimeout(exchangeId, ex);
        _requireBps(buyerPercentBps);
        _setDisputeState(ex, DisputeState.Decided);
        emit DisputeDecided(exchangeId, buyerPercentBps);
        _releaseSplit(exchangeId, ex, buyerPercentBps);
    }

    /// @notice The offer's resolver refuses an escalated dispute: seller gets D, buyer p + E, the resolver's fee
    /// returns to the seller.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Escalated), `VoucherEscrowNotResolver`,
    /// `VoucherEscrowTooLate(id, now, timeout)` unless `now <= timeout`. Emits {EscalatedDisputeRefused},
    /// {FundsReleased}.
    /// @param exchangeId The exchange.
    function refuseEscalatedDispute(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireDisputeState(exchangeId, ex, DisputeState.Escalated);
        _requireResolver(exchangeId, ex);
        _requireBeforeTimeout(exchangeId, ex);
        _setDisputeState(ex, DisputeState.Refused);
        emit EscalatedDisputeRefused(exchangeId);
        _releaseRefused(exchangeId, ex);
    }

    /// @notice Anyone ends an escalated dispute the resolver left past its timeout: it ends Refused.
    /// @dev Check order: `VoucherEscrowNoSuchExchange`, `VoucherEscrowInvalidState` (not Disputed),
    /// `VoucherEscrowInvalidDisputeState` (not Escalated), `VoucherEscrowTooEarly(id, now, timeout + 1)` unless
    /// `now > timeout`. Emits {EscalatedDisputeExpired}, {FundsReleased}.
    /// @param exchangeId The exchange.
    function expireEscalatedDispute(uint256 exchangeId) external {
        Exchange storage ex = _exchange(exchangeId);
        _requireDisputeState(exchangeId, ex, DisputeState.Escalated);
        _requireAfterTimeout(exchangeId, ex);
        _setDisputeState(ex, DisputeState.Refused);
        emit EscalatedDisputeExpired(exchangeId);
        _releaseRefused(exchangeId, ex);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IFundsLedger
    function availableFunds(address entity) external view returns (uint256) {
        return _availableFunds[entity];
    }

    /// @notice The offer `offerId`; reverts `VoucherEscrowNoSuchOffer` if it does not exist.
    function getOffer(uint256 offerId) external view returns (Offer memory) {
        return _offer(offerId);
    }

    /// @notice The exchange `exchangeId`; reverts `VoucherEscrowNoSuchExchange` if it does not exist.
    function getExchange(uint256 exchangeId) external view returns (Exchange memory) {
        return _exchange(exchangeId);
    }

    /// @notice The aggregator that recruited `seller`; zero if `seller` is not registered.
    function sellerAggregator(address seller) external view returns (address) {
        return _sellerAggregator[seller];
    }

    /// @notice Whether `account` is a registered seller.
    function isSeller(address account) external view returns (bool) {
        return _sellerAggregator[account] != address(0);
    }

    /// @notice Exchange-token wei locked in open exchanges (p + D + drFee each, plus E once escalated).
    function totalEncumbered() external view returns (uint256) {
        return _totalEncumbered;
    }

    /// @notice Exchange-token wei credited to the ledger and not yet withdrawn (sum of `availableFunds`).
    function totalAvailable() external view returns (uint256) {
        return _totalAvailable;
    }

    /// @notice Protocol fees collected so far, in exchange-token wei.
    function protocolFeesCollected() external view returns (uint256) {
        return _protocolFeesCollected;
    }

    /// @notice Ecosystem parts of collected fees credited to the ecosystem fund so far, in exchange-token wei.
    function ecosystemFeesCredited() external view returns (uint256) {
        return _ecosystemFeesCredited;
    }

    /// @notice Rewards parts of collected fees credited to the points sink so far, in exchange-token wei.
    function rewardsFeesCredited() external view returns (uint256) {
        return _rewardsFeesCredited;
    }

    /// @notice Number of offers created; offer ids are 1..offerCount.
    function offerCount() external view returns (uint256) {
        return _offerCount;
    }

    /// @notice Number of exchanges created; exchange ids are 1..exchangeCount.
    function exchangeCount() external view returns (uint256) {
        return _exchangeCount;
    }

    /// @notice Number of exchanges now in `state` (a Disputed exchange stays Disputed after its dispute ends).
    function exchangeCountByState(ExchangeState state) external view returns (uint256) {
        return _exchangeCountByState[uint256(state)];
    }

    /// @notice Number of exchanges whose dispute is now in `state`; exchanges never disputed count as None, so
    /// the counts add up to `exchangeCount`.
    function disputeCountByState(DisputeState state) external view returns (uint256) {
        return _disputeCountByState[uint256(state)];
    }

    /// @notice The token in which the escrow holds funds.
    function exchangeToken() external view returns (IERC20) {
        return _exchangeToken;
    }

    /// @notice The fee manager.
    function feeManager() external view returns (FeeManager) {
        return _feeManager;
    }

    /// @notice The points sink (rewards distributor), also credited with the rewards part of each fee.
    function pointsSink() external view returns (IPointsSink) {
        return _pointsSink;
    }

    /// @notice The account credited with the ecosystem part of each fee.
    function ecosystemFund() external view returns (address) {
        return _ecosystemFund;
    }

    /// @notice Aggregator points per seller point of a completed exchange, in basis points.
    function aggregatorPointsBps() external view returns (uint256) {
        return _aggregatorPointsBps;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Vouchers only mint and burn (counted: `_countedUpdate`); any transfer between accounts reverts.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) revert VoucherEscrowNonTransferable();
        _countedUpdate(from, to, ids, values);
    }

    function _offer(uint256 offerId) private view returns (Offer storage) {
        if (offerId == 0 || offerId > _offerCount) revert VoucherEscrowNoSuchOffer(offerId);
        return _offers[offerId];
    }

    function _exchange(uint256 exchangeId) private view returns (Exchange storage) {
        if (exchangeId == 0 || exchangeId > _exchangeCount) revert VoucherEscrowNoSuchExchange(exchangeId);
        return _exchanges[exchangeId];
    }

    function _requireState(uint256 exchangeId, Exchange storage ex, ExchangeState expected) private view {
        ExchangeState state = ex.state;
        if (state != expected) revert VoucherEscrowInvalidState(exchangeId, state);
    }

    function _requireDisputeState(uint256 exchangeId, Exchange storage ex, DisputeState expected) private view {
        _requireState(exchangeId, ex, ExchangeState.Disputed);
        DisputeState state = ex.disputeState;
        if (state != expected) revert VoucherEscrowInvalidDisputeState(exchangeId, state);
    }

    /// @dev Disputed, and the dispute is Resolving or Escalated.
    function _requireOpenDispute(uint256 exchangeId, Exchange storage ex) private view {
        _requireState(exchangeId, ex, ExchangeState.Disputed);
        DisputeState state = ex.disputeState;
        if (state != DisputeState.Resolving && state != DisputeState.Escalated) {
            revert VoucherEscrowInvalidDisputeState(exchangeId, state);
        }
    }

    function _requireBuyer(uint256 exchangeId, Exchange storage ex) private view {
        if (msg.sender != ex.buyer) revert VoucherEscrowNotBuyer(exchangeId, msg.sender);
    }

    function _requireResolver(uint256 exchangeId, Exchange storage ex) private view {
        if (msg.sender != _offers[ex.offerId].disputeResolver) revert VoucherEscrowNotResolver(exchangeId, msg.sender);
    }

    /// @dev Returns whether the caller acts as the buyer (true) or as the offer's seller (false).
    function _requireParty(uint256 exchangeId, Exchange storage ex) private view returns (bool isBuyer) {
        if (msg.sender == ex.buyer) return true;
        if (msg.sender != _offers[ex.offerId].seller) revert VoucherEscrowNotParty(exchangeId, msg.sender);
        return false;
    }

    /// @dev `now <= disputeTimeout`.
    function _requireBeforeTimeout(uint256 exchangeId, Exchange storage ex) private view {
        uint256 timeout = ex.disputeTimeout;
        if (block.timestamp > timeout) revert VoucherEscrowTooLate(exchangeId, block.timestamp, timeout);
    }

    /// @dev `now > disputeTimeout`; `timeout + 1` is checked and panics only for a timeout of 2^256 - 1.
    function _requireAfterTimeout(uint256 exchangeId, Exchange storage ex) private view {
        uint256 timeout = ex.disputeTimeout;
        if (block.timestamp <= timeout) revert VoucherEscrowTooEarly(exchangeId, block.timestamp, timeout + 1);
    }

    function _requireBps(uint256 bps) private pure {
        if (bps > FeeMath.BPS_DENOMINATOR) revert VoucherEscrowInvalidBps(bps);
    }

    function _setState(Exchange storage ex, ExchangeState to) private {
        unchecked {
            // The exchange is counted in its current state, so that count is >= 1; the other is bounded by
            // _exchangeCount.
            --_exchangeCountByState[uint256(ex.state)];
            ++_exchangeCountByState[uint256(to)];
        }
        ex.state = to;
    }

    function _setDisputeState(Exchange storage ex, DisputeState to) private {
        unchecked {
            // As in _setState: the exchange is counted in its current dispute state.
            --_disputeCountByState[uint256(ex.disputeState)];
            ++_disputeCountByState[uint256(to)];
        }
        ex.disputeState = to;
    }

    /// @dev Committed -> Canceled, burning the voucher.
    function _cancel(Exchange storage ex) private {
        _setState(ex, ExchangeState.Canceled);
        _burn(ex.buyer, ex.offerId, 1);
    }

    /// @dev Canceled / expired: seller D + pen (+ drFee back), buyer p - pen.
    function _releaseCanceled(uint256 exchangeId, Exchange storage ex) private {
        Offer storage offer = _offers[ex.offerId];
        uint256 penalty = offer.buyerCancelPenalty;
        uint256 buyerAmount;
        unchecked {
            // penalty <= price (createOffer checks it).
            buyerAmount = offer.price - penalty;
        }
        _release(exchangeId, offer, ex, offer.sellerDeposit + penalty + offer.disputeResolverFee, buyerAmount, 0, 0);
    }

    /// @dev Retracted: seller p + D - f + E (+ drFee back unless escalated), resolver drFee if escalated, fee f;
    /// then tells the points sink the fee's rewards part.
    function _releaseRetracted(uint256 exchangeId, Exchange storage ex) private {
        Offer storage offer = _offers[ex.offerId];
        uint256 drFee = offer.disputeResolverFee;
        bool escalated = ex.escalated;
        uint256 fee = offer.protocolFee;
        uint256 priceNet;
        unchecked {
            // fee = price * feeBps / 10_000 with feeBps <= 10_000, so fee <= price.
            priceNet = offer.price - fee;
        }
        uint256 seller = priceNet + offer.sellerDeposit + ex.escalationDeposit + (escalated ? 0 : drFee);
        _accrueFees(_release(exchangeId, offer, ex, seller, 0, escalated ? drFee : 0, fee));
    }

    /// @dev Refused: seller D + drFee, buyer p + E.
    function _releaseRefused(uint256 exchangeId, Exchange storage ex) private {
        Offer storage offer = _offers[ex.offerId];
        _release(
            exchangeId,
            offer,
            ex,
            offer.sellerDeposit + offer.disputeResolverFee,
            offer.price + ex.escalationDeposit,
            0,
            0
        );
    }

    /// @dev Resolved / Decided: buyer ⌊(D+E)bp⌋ + ⌊p bp⌋, seller the rest (+ drFee back unless escalated),
    /// resolver drFee if escalated.
    function _releaseSplit(uint256 exchangeId, Exchange storage ex, uint256 buyerPercentBps) private {
        Offer storage offer = _offers[ex.offerId];
        uint256 deposits = offer.sellerDeposit + ex.escalationDeposit;
        uint256 price = offer.price;
        uint256 buyer = FeeMath.bpsOfDown(deposits, buyerPercentBps) + FeeMath.bpsOfDown(price, buyerPercentBps);
        uint256 drFee = offer.disputeResolverFee;
        bool escalated = ex.escalated;
        uint256 sellerShare;
        unchecked {
            // Each floor(x * bp / 10_000) <= x for bp <= 10_000, so buyer <= deposits + price; that sum is backed
            // by escrowed tokens, so it cannot wrap either.
            sellerShare = deposits + price - buyer;
        }
        uint256 seller = sellerShare + (escalated ? 0 : drFee);
        _release(exchangeId, offer, ex, seller, buyer, escalated ? drFee : 0, 0);
    }

    /// @dev Moves the exchange's whole encumbrance, p + D + drFee + E = sellerAmount + buyerAmount +
    /// resolverAmount + fee, from `_totalEncumbered` to the ledger; splits and credits a non-zero fee. Returns the
    /// fee's rewards part (0 without a fee), which the caller tells the points sink with `_accrueFees`, last.
    function _release(
        uint256 exchangeId,
        Offer storage offer,
        Exchange storage ex,
        uint256 sellerAmount,
        uint256 buyerAmount,
        uint256 resolverAmount,
        uint256 fee
    ) private returns (uint256 rewardsPart) {
        uint256 released = sellerAmount + buyerAmount + resolverAmount + fee;
        _availableFunds[offer.seller] += sellerAmount;
        _availableFunds[ex.buyer] += buyerAmount;
        _availableFunds[offer.disputeResolver] += resolverAmount;
        unchecked {
            // released is exactly this exchange's share of _totalEncumbered.
            _totalEncumbered -= released;
        }
        _totalAvailable += released;
        emit FundsReleased(exchangeId, sellerAmount, buyerAmount, resolverAmount, fee);
        if (fee != 0) {
            (uint256 eco, uint256 rewards) = _feeManager.splitFee(fee);
            _availableFunds[_ecosystemFund] += eco;
            _availableFunds[address(_pointsSink)] += rewards;
            _protocolFeesCollected += fee;
            _ecosystemFeesCredited += eco;
            _rewardsFeesCredited += rewards;
            emit ProtocolFeeCollected(exchangeId, fee, eco, rewards);
            rewardsPart = rewards;
        }
    }

    /// @dev Tells the points sink a non-zero `rewards` part of a fee just credited to it, so that the sink books
    /// it to the epoch of now. An interaction: called last, after every write and event of the collection.
    function _accrueFees(uint256 rewards) private {
        if (rewards != 0) _pointsSink.accrueFees(rewards);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The voucher supply. Declared last, storage included, so that every line above keeps its number and every
    // mutant of scripts/mutation.mjs its id (mutation/results.json names them).
    // ---------------------------------------------------------------------------------------------------------

    /// @dev vouchers minted and not yet burned, over every offer: the ERC-1155 supply (one per Committed exchange).
    uint256 private _vouchersOutstanding;

    /// @notice Vouchers minted and not yet burned, over every offer (one per exchange still Committed).
    function vouchersOutstanding() external view returns (uint256) {
        return _vouchersOutstanding;
    }

    /// @dev ERC1155's `_update`, then the voucher supply moved by its mints and burns.
    function _countedUpdate(address from, address to, uint256[] memory ids, uint256[] memory values) private {
        super._update(from, to, ids, values);
        for (uint256 i = 0; i < values.length; ++i) {
            if (from == address(0)) _vouchersOutstanding += values[i];
            else _vouchersOutstanding -= values[i];
        }
    }
}
