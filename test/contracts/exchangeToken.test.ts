import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

async function deployToken() {
  const [owner, other] = await ethers.getSigners();
  if (owner === undefined || other === undefined) throw new Error("need 2 signers");
  const token = await ethers.deployContract("ExchangeToken", [owner.address]);
  return { token, owner, other };
}

describe("ExchangeToken", () => {
  it("ExchangeToken: is Exchange USD (xUSD, 18 decimals) with no supply, owned by the deployer's choice", async () => {
    const { token, owner } = await loadFixture(deployToken);
    expect([await token.name(), await token.symbol(), await token.decimals()]).to.deep.equal([
      "Exchange USD",
      "xUSD",
      18n,
    ]);
    expect(await token.totalSupply()).to.equal(0n);
    expect(await token.owner()).to.equal(owner.address);
  });

  it("ExchangeToken: mint by the owner credits the receiver", async () => {
    const { token, other } = await loadFixture(deployToken);
    await expect(token.mint(other.address, 5n)).to.changeTokenBalance(ethers, token, other, 5n);
    expect(await token.totalSupply()).to.equal(5n);
  });

  it("ExchangeToken: mint reverts OwnableUnauthorizedAccount for anyone else and ERC20InvalidReceiver for zero", async () => {
    const { token, other } = await loadFixture(deployToken);
    await expect(token.connect(other).mint(other.address, 1n))
      .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
      .withArgs(other.address);
    await expect(token.mint(ethers.ZeroAddress, 1n))
      .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
      .withArgs(ethers.ZeroAddress);
  });

  it("ExchangeToken: reverts OwnableInvalidOwner when deployed with a zero owner", async () => {
    const { token } = await loadFixture(deployToken);
    const factory = await ethers.getContractFactory("ExchangeToken");
    await expect(factory.deploy(ethers.ZeroAddress))
      .to.be.revertedWithCustomError(token, "OwnableInvalidOwner")
      .withArgs(ethers.ZeroAddress);
  });
});
