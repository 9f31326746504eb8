// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IFundsLedger} from "../interfaces/IFundsLedger.sol";
import {IPointsSink} from "../interfaces/IPointsSink.sol";
import {EmissionMath} from "../libraries/EmissionMath.sol";

/// @title Rewards distributor
/// @notice Splits, epoch by epoch, a reward-token emission budget and the protocol's rewards-pool fees
/// collected in that epoch among the accounts that earned points in that epoch (sellers of completed exchanges and the
/// aggregators that recruited them), pro rata to their points. Shares round down; the remainder (dust)
/// carries to the next epoch, so nothing is lost. Claims are pull-based.
///
/// Epoch `e` covers `[startTimestamp + e * epochSeconds, startTimestamp + (e + 1) * epochSeconds)`.
/// Points are credited to the current epoch by the points source (the voucher escrow), which is also
/// the funds ledger the fees are withdrawn from. Epochs are closed in order, one per `closeEpoch` call,
/// by anyone, once they have ended.
///
/// Each fee belongs to the epoch in which it was collected, by block time. The escrow credits the
/// rewards part of a collected fee to this contract in its pull-based ledger and, in the same
/// transaction, tells it the amount (`accrueFees`); the distributor books the amount to `feeEpoch()`,
/// the epoch the block time falls in (epoch 0 for a fee collected before the start). That epoch is
/// never closed yet: closing epoch `e` needs `now >= epochEndsAt(e)`, so a fee collected after `e`
/// ended, even before `e` is closed, is booked to a later epoch. Closing epoch `e` distributes
/// `epochEmission(e) + carriedRewardDust()` and `epochFees(e) + carriedFeeDust()` to the points earned
/// in `e`, and withdraws exactly `epochFees(e)` from the ledger. Funds credited to this contract in the
/// ledger other than as a booked fee (say, by a seller naming it as an offer's dispute resolver) are
/// never withdrawn or distributed. Booking a fee writes one word, and a close reads one: no call loops
/// over past epochs or exchanges.
///
/// Emission follows a fixed schedule (`EmissionMath`): linear over `durationEpochs` after `cliffEpochs`
/// when `halvingEpochs == 0`, else halving every `halvingEpochs` after the cliff. The distributor must
/// hold enough reward tokens to cover everything it owes when it closes an epoch, else the close reverts
/// with `RewardsDistributorUnfunded`.
/// @dev Mirrored one to one by `simulation/model/rewards.ts`, reverts and their order included.
contract RewardsDistributor is IPointsSink, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @dev One epoch's points: the distinct earners in order of first credit, and their points.
    struct EpochPoints {
        uint256 totalPoints;
        address[] earners;
        mapping(address account => uint256) points;
    }

    /// @notice A constructor token argument is the zero address, or the fee token equals the reward token.
    error RewardsDistributorInvalidToken(address token);
    /// @notice The epoch length is zero.
    error RewardsDistributorInvalidEpochSeconds(uint256 epochSeconds);
    /// @notice The schedule is not exactly one of: linear (`durationEpochs != 0`, `halvingEpochs == 0`)
    /// or halving (`durationEpochs == 0`, `halvingEpochs != 0`).
    error RewardsDistributorInvalidSchedule(uint256 durationEpochs, uint256 halvingEpochs);
    /// @notice The points source was set already; it is set once.
    error RewardsDistributorSourceAlreadySet();
    /// @notice The points source may not be the zero address.
    error RewardsDistributorInvalidSource(address source);
    /// @notice `accruePoints` was called by someone other than the points source.
    error RewardsDistributorNotSource(address caller);
    /// @notice The first epoch has not started yet.
    error RewardsDistributorNotStarted(uint256 nowTs, uint256 startTimestamp);
    /// @notice The next epoch to close ends at `endsAt`, later than now.
    error RewardsDistributorEpochNotEnded(uint256 epoch, uint256 nowTs, uint256 endsAt);
    /// @notice The reward-token balance `balance` is below what the close would owe, `needed`.
    error RewardsDistributorUnfunded(uint256 needed, uint256 balance);
    /// @notice The account has neither rewards nor fees to claim.
    error RewardsDistributorNothingToClaim(address account);

    /// @notice The points source (and funds ledger) was set.
    event PointsSourceSet(address indexed source);
    /// @notice `account` earned `points` in `epoch`.
    event PointsAccrued(uint256 indexed epoch, address indexed account, uint256 points);
    /// @notice `amount` fee-token wei of rewards-pool fees, collected now, were booked to `epoch`.
    event FeesAccrued(uint256 indexed epoch, uint256 amount);
    /// @notice `epoch` was closed: both budgets split over `totalPoints` points (or carried whole when
    /// `totalPoints == 0`); `rewardDust` and `feeDust` carry to the next epoch.
    event EpochClosed(
        uint256 indexed epoch,
        uint256 rewardBudget,
        uint256 feeBudget,
        uint256 totalPoints,
        uint256 rewardDust,
        uint256 feeDust
    );
    /// @notice `account` claimed `rewardAmount` reward-token wei and `feeAmount` fee-token wei.
    event Claimed(address indexed account, uint256 rewardAmount, uint256 feeAmount);

    IERC20 private immutable _rewardToken;
    IERC20 private immutable _feeToken;
    /// @dev seconds since the Unix epoch
    uint256 private immutable _startTimestamp;
    /// @dev seconds
    uint256 private immutable _epochSeconds;
    /// @dev reward-token wei
    uint256 private immutable _emissionTotal;
    /// @dev epochs
    uint256 private immutable _cliffEpochs;
    /// @dev epochs; 0 on the halving schedule
    uint256 private immutable _durationEpochs;
    /// @dev epochs per halving period; 0 on the linear schedule
    uint256 private immutable _halvingEpochs;

    address private _pointsSource;
    uint256 private _nextEpochToClose;
    mapping(uint256 epoch => EpochPoints) private _epochs;
    /// @dev fee-token wei of rewards-pool fees collected in each epoch (booked by `accrueFees`)
    mapping(uint256 epoch => uint256) private _epochFees;
    mapping(address account => uint256) private _claimableRewards;
    mapping(address account => uint256) private _claimableFees;
    /// @dev All amounts below are token wei: reward token for *Reward*/*Emitted*, fee token for *Fee*.
    uint256 private _totalEmitted;
    uint256 private _totalRewardsClaimed;
    uint256 private _totalFeesClaimed;
    uint256 private _totalFeesReceived;
    uint256 private _carriedRewardDust;
    uint256 private _carriedFeeDust;
    uint256 private _rewardsOwed;
    uint256 private _feesOwed;

    /// @param owner_ May set the points source, once.
    /// @param rewardToken_ The governance token the emission is paid in.
    /// @param feeToken_ The exchange token the fees are paid in; must differ from `rewardToken_`.
    /// @param startTimestamp_ Start of epoch 0, in seconds since the Unix epoch.
    /// @param epochSeconds_ Length of an epoch, in seconds; nonzero.
    /// @param emissionTotal_ Reward-token wei the schedule emits (the halving schedule emits all but
    /// `popcount(emissionTotal_)` wei of it, see `EmissionMath.halvingEmitted`).
    /// @param cliffEpochs_ Epochs without emission at the start.
    /// @param durationEpochs_ Epochs of linear emission after the cliff; 0 on the halving schedule.
    /// @param halvingEpochs_ Epochs per halving period; 0 selects the linear schedule.
    constructor(
        address owner_,
        IERC20 rewardToken_,
        IERC20 feeToken_,
        uint256 startTimestamp_,
        uint256 epochSeconds_,
        uint256 emissionTotal_,
        uint256 cliffEpochs_,
        uint256 durationEpochs_,
        uint256 halvingEpochs_
    ) Ownable(owner_) {
        if (address(rewardToken_) == address(0)) revert RewardsDistributorInvalidToken(address(0));
        if (address(feeToken_) == address(0) || feeToken_ == rewardToken_) {
            revert RewardsDistributorInvalidToken(address(feeToken_));
        }
        if (epochSeconds_ == 0) revert RewardsDistributorInvalidEpochSeconds(0);
        if ((durationEpochs_ == 0) == (halvingEpochs_ == 0)) {
            revert RewardsDistributorInvalidSchedule(durationEpochs_, halvingEpochs_);
        }
        _rewardToken = rewardToken_;
        _feeToken = feeToken_;
        _startTimestamp = startTimestamp_;
        _epochSeconds = epochSeconds_;
        _emissionTotal = emissionTotal_;
        _cliffEpochs = cliffEpochs_;
        _durationEpochs = durationEpochs_;
        _halvingEpochs = halvingEpochs_;
    }

    // ---------------------------------------------------------------- owner

    /// @notice Sets the points source, which is also the funds ledger fees are withdrawn from (the voucher
    /// escrow). Once only.
    function setPointsSource(address source) external onlyOwner {
        if (_pointsSource != address(0)) revert RewardsDistributorSourceAlreadySet();
        if (source == address(0)) revert RewardsDistributorInvalidSource(address(0));
        _pointsSource = source;
        emit PointsSourceSet(source);
    }

    // ---------------------------------------------------------------- points source

    /// @inheritdoc IPointsSink
    /// @dev Credits the epoch `currentEpoch()`. An entry with zero points, or for the zero address (which
    /// could never claim), is skipped, so the escrow may pass `(address(0), 0)` for a seller without an
    /// aggregator. An account credited twice in an epoch (twice here, or `seller == aggregator`) is one
    /// earner with the summed points.
    function accruePoints(address seller, uint256 points, address aggregator, uint256 aggregatorPoints) external {
        if (msg.sender != _pointsSource) revert RewardsDistributorNotSource(msg.sender);
        uint256 epoch = currentEpoch();
        _credit(epoch, seller, points);
        _credit(epoch, aggregator, aggregatorPoints);
    }

    /// @inheritdoc IPointsSink
    /// @dev Books `amount` to `feeEpoch()`, an epoch not closed yet (see the contract's notice). The source has
    /// credited `amount` to this contract in its ledger; `closeEpoch` withdraws it when it closes that epoch.
    function accrueFees(uint256 amount) external {
        if (msg.sender != _pointsSource) revert RewardsDistributorNotSource(msg.sender);
        uint256 epoch = feeEpoch();
        _epochFees[epoch] += amount;
        emit FeesAccrued(epoch, amount);
    }

    // ---------------------------------------------------------------- anyone

    /// @notice Closes epoch `nextEpochToClose()` once it has ended: its budgets are split pro rata to the
    /// points earned in it and credited to claimable balances; the rounding remainder carries over.
    /// Budgets: `rewardBudget = epochEmission(epoch) + carriedRewardDust()`, `feeBudget = epochFees(epoch)
    /// + carriedFeeDust()`: the fees collected during this epoch, not whatever the ledger holds now. With
    /// no points in the epoch, both budgets carry over whole. The epoch's fees are withdrawn from the ledger
    /// last (checks, effects, events, interactions); the ledger is the trusted voucher escrow and sends
    /// exactly the amount asked.
    /// @dev The loop runs over the distinct earners of this one epoch only, never over past epochs or
    /// past exchanges, so its cost is bounded by that epoch's activity. Reverts with
    /// `RewardsDistributorUnfunded` if the reward-token balance is below `rewardsOwed() + rewardBudget`.
    function closeEpoch() external nonReentrant {
        uint256 epoch = _nextEpochToClose;
        uint256 endsAt = epochEndsAt(epoch);
        if (block.timestamp < endsAt) revert RewardsDistributorEpochNotEnded(epoch, block.timestamp, endsAt);

        uint256 emission = epochEmission(epoch);
        uint256 rewardBudget = emission + _carriedRewardDust;
        uint256 needed = _rewardsOwed + rewardBudget;
        uint256 balance = _rewardToken.balanceOf(address(this));
        if (balance < needed) revert RewardsDistributorUnfunded(needed, balance);

        // Only the points source books fees, so `feesIn != 0` means the source (the ledger) is set.
        uint256 feesIn = _epochFees[epoch];
        uint256 feeBudget = feesIn + _carriedFeeDust;

        uint256 totalPoints = _epochs[epoch].totalPoints;
        uint256 rewardDust = rewardBudget;
        uint256 feeDust = feeBudget;
        if (totalPoints != 0) {
            EpochPoints storage data = _epochs[epoch];
            uint256 rewardsCredited = _split(data, totalPoints, rewardBudget, _claimableRewards);
            uint256 feesCredited = _split(data, totalPoints, feeBudget, _claimableFees);
            _rewardsOwed += rewardsCredited;
            _feesOwed += feesCredited;
            // unchecked: `_split` credits at most the budget it is given.
            unchecked {
                rewardDust = rewardBudget - rewardsCredited;
                feeDust = feeBudget - feesCredited;
            }
        }
        _carriedRewardDust = rewardDust;
        _carriedFeeDust = feeDust;
        _totalEmitted += emission;
        _totalFeesReceived += feesIn;
        _nextEpochToClose = epoch + 1;
        emit EpochClosed(epoch, rewardBudget, feeBudget, totalPoints, rewardDust, feeDust);

        if (feesIn != 0) IFundsLedger(_pointsSource).withdrawFunds(feesIn);
    }

    /// @notice Pays the caller everything it may claim, in both tokens.
    function claim() external nonReentrant {
        address account = msg.sender;
        uint256 reward = _claimableRewards[account];
        uint256 fee = _claimableFees[account];
        if (reward == 0 && fee == 0) revert RewardsDistributorNothingToClaim(account);
        _claimableRewards[account] = 0;
        _claimableFees[account] = 0;
        // unchecked: `_rewardsOwed` and `_feesOwed` are the sums of all claimable balances, so each is at
        // least the balance being claimed.
        unchecked {
            _rewardsOwed -= reward;
            _feesOwed -= fee;
        }
        _totalRewardsClaimed += reward;
        _totalFeesClaimed += fee;
        emit Claimed(account, reward, fee);

        if (reward != 0) _rewardToken.safeTransfer(account, reward);
        if (fee != 0) _feeToken.safeTransfer(account, fee);
    }

    // ---------------------------------------------------------------- views

    /// @notice The epoch now falls in: `(now - startTimestamp) / epochSeconds`, rounded down.
    function currentEpoch() public view returns (uint256) {
        if (block.timestamp < _startTimestamp) revert RewardsDistributorNotStarted(block.timestamp, _startTimestamp);
        return (block.timestamp - _startTimestamp) / _epochSeconds;
    }

    /// @notice The epoch a fee collected now is booked to: `currentEpoch()`, or 0 before the start (where
    /// `currentEpoch()` reverts).
    function feeEpoch() public view returns (uint256) {
        if (block.timestamp < _startTimestamp) return 0;
        return (block.timestamp - _startTimestamp) / _epochSeconds;
    }

    /// @notice When `epoch` ends (the first second of the next epoch): `startTimestamp + (epoch + 1) * epochSeconds`.
    function epochEndsAt(uint256 epoch) public view returns (uint256) {
        return _startTimestamp + (epoch + 1) * _epochSeconds;
    }

    /// @notice The reward-token wei the schedule emits in `epoch` (0-based), rounded down as `EmissionMath`.
    function epochEmission(uint256 epoch) public view returns (uint256) {
        return
            _halvingEpochs == 0
                ? EmissionMath.linearEpochEmission(_emissionTotal, _cliffEpochs, _durationEpochs, epoch)
                : EmissionMath.halvingEpochEmission(_emissionTotal, _cliffEpochs, _halvingEpochs, epoch);
    }

    /// @notice The next epoch `closeEpoch` closes; every earlier epoch is closed.
    function nextEpochToClose() external view returns (uint256) {
        return _nextEpochToClose;
    }

    /// @notice Sum of the emissions of the closed epochs, in reward-token wei.
    function totalEmitted() external view returns (uint256) {
        return _totalEmitted;
    }

    /// @notice Reward-token wei paid out by `claim`.
    function totalRewardsClaimed() external view returns (uint256) {
        return _totalRewardsClaimed;
    }

    /// @notice Fee-token wei paid out by `claim`.
    function totalFeesClaimed() external view returns (uint256) {
        return _totalFeesClaimed;
    }

    /// @notice Fee-token wei withdrawn from the funds ledger: the fees of the closed epochs.
    function totalFeesReceived() external view returns (uint256) {
        return _totalFeesReceived;
    }

    /// @notice Reward-token wei carried into the next close (rounding dust, or a whole budget without points).
    function carriedRewardDust() external view returns (uint256) {
        return _carriedRewardDust;
    }

    /// @notice Fee-token wei carried into the next close (rounding dust, or a whole budget without points).
    function carriedFeeDust() external view returns (uint256) {
        return _carriedFeeDust;
    }

    /// @notice Reward-token wei `account` may claim.
    function claimableRewards(address account) external view returns (uint256) {
        return _claimableRewards[account];
    }

    /// @notice Fee-token wei `account` may claim.
    function claimableFees(address account) external view returns (uint256) {
        return _claimableFees[account];
    }

    /// @notice Sum of all claimable reward-token balances, in wei.
    function rewardsOwed() external view returns (uint256) {
        return _rewardsOwed;
    }

    /// @notice Sum of all claimable fee-token balances, in wei.
    function feesOwed() external view returns (uint256) {
        return _feesOwed;
    }

    /// @notice Points `account` earned in `epoch`.
    function epochPoints(uint256 epoch, address account) external view returns (uint256) {
        return _epochs[epoch].points[account];
    }

    /// @notice Rewards-pool fees collected in `epoch` (booked by `accrueFees`), in fee-token wei; closing `epoch`
    /// distributes them.
    function epochFees(uint256 epoch) external view returns (uint256) {
        return _epochFees[epoch];
    }

    /// @notice Points earned by everyone in `epoch`.
    function epochTotalPoints(uint256 epoch) external view returns (uint256) {
        return _epochs[epoch].totalPoints;
    }

    /// @notice The distinct accounts that earned points in `epoch`, in order of first credit.
    function epochEarners(uint256 epoch) external view returns (address[] memory) {
        return _epochs[epoch].earners;
    }

    /// @notice The points source and funds ledger (the voucher escrow); zero until set.
    function pointsSource() external view returns (address) {
        return _pointsSource;
    }

    /// @notice The token the emission is paid in (the governance token).
    function rewardToken() external view returns (IERC20) {
        return _rewardToken;
    }

    /// @notice The token the fees are paid in (the exchange token).
    function feeToken() external view returns (IERC20) {
        return _feeToken;
    }

    /// @notice Start of epoch 0, in seconds since the Unix epoch.
    function startTimestamp() external view returns (uint256) {
        return _startTimestamp;
    }

    /// @notice Length of an epoch, in seconds.
    function epochSeconds() external view returns (uint256) {
        return _epochSeconds;
    }

    /// @notice Reward-token wei the schedule is built on.
    function emissionTotal() external view returns (uint256) {
        return _emissionTotal;
    }

    /// @notice Epochs without emission at the start.
    function cliffEpochs() external view returns (uint256) {
        return _cliffEpochs;
    }

    /// @notice Epochs of linear emission after the cliff; 0 on the halving schedule.
    function durationEpochs() external view returns (uint256) {
        return _durationEpochs;
    }

    /// @notice Epochs per halving period; 0 on the linear schedule.
    function halvingEpochs() external view returns (uint256) {
        return _halvingEpochs;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Credits each earner of `data` `floor(budget * points_i / totalPoints)` into `claimable` and
    /// returns the sum credited, at most `budget`. Loops over that one epoch's distinct earners only.
    function _split(
        EpochPoints storage data,
        uint256 totalPoints,
        uint256 budget,
        mapping(address => uint256) storage claimable
    ) private returns (uint256 credited) {
        uint256 count = data.earners.length;
        for (uint256 i; i < count; ++i) {
            address account = data.earners[i];
            uint256 share = Math.mulDiv(budget, data.points[account], totalPoints);
            claimable[account] += share;
            // unchecked: the shares are floors of `budget * points_i / totalPoints` with
            // `sum(points_i) == totalPoints`, so the running sum stays at most `budget`.
            unchecked {
                credited += share;
            }
        }
    }

    /// @dev Adds `points` to `account` in `epoch`, registering a new earner; skips zero points and the zero address.
    function _credit(uint256 epoch, address account, uint256 points) private {
        if (points == 0 || account == address(0)) return;
        EpochPoints storage data = _epochs[epoch];
        uint256 before = data.points[account];
        if (before == 0) data.earners.push(account);
        data.points[account] = before + points;
        data.totalPoints += points;
        emit PointsAccrued(epoch, account, points);
    }
}
