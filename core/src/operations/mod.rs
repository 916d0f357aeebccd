//! The operations, one file each: the seven moderation calls, and listing and counting users.

mod ban_user;
mod ban_users;
mod bulk;
mod count_users;
mod get_user;
mod list_users;
mod lock_user;
mod unban_user;
mod unban_users;
mod unlock_user;
mod user_filter;

pub use ban_user::BanUser;
pub use ban_users::BanUsers;
pub use bulk::MAX_BULK_USER_IDS;
pub use count_users::CountUsers;
pub use get_user::GetUser;
pub use list_users::{ListUsers, MAX_LIST_LIMIT, PagingError, UserPages};
pub use lock_user::LockUser;
pub use unban_user::UnbanUser;
pub use unban_users::UnbanUsers;
pub use unlock_user::UnlockUser;
pub use user_filter::{MAX_FILTER_VALUES, UserFilter};
