//! The seven operations, one file each.

mod ban_user;
mod ban_users;
mod bulk;
mod get_user;
mod lock_user;
mod unban_user;
mod unban_users;
mod unlock_user;

pub use ban_user::BanUser;
pub use ban_users::BanUsers;
pub use bulk::MAX_BULK_USER_IDS;
pub use get_user::GetUser;
pub use lock_user::LockUser;
pub use unban_user::UnbanUser;
pub use unban_users::UnbanUsers;
pub use unlock_user::UnlockUser;
