//! `Web3Wallet`: one of a user's Web3 wallets.

use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// One of a user's Web3 wallets.
    pub struct Web3Wallet {
        /// Its id (`idn_…`).
        id: String,
        /// Always `web3_wallet`.
        object: String,
        /// The wallet address.
        web3_wallet: String,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
    }
}
