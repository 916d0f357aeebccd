//! The open enums of the model: documented values as variants, new ones kept as `Unknown`.

use super::open_enum::open_enum;

open_enum! {
    /// Where a verification stands (`verification.status`).
    pub enum VerificationStatus {
        /// Not verified yet.
        Unverified = "unverified",
        /// Verified.
        Verified = "verified",
        /// Failed: too many attempts or a wrong code.
        Failed = "failed",
        /// The verification window passed.
        Expired = "expired",
        /// An OAuth or SAML identity that can be moved to a new sign-up.
        Transferable = "transferable",
    }
}

open_enum! {
    /// How an identification was verified (`verification.strategy`).
    ///
    /// OAuth strategies are a family, one per provider: `oauth_<provider>`,
    /// `oauth_token_<provider>`, `oauth_custom_<provider>` and `from_oauth_<provider>` land in
    /// [`VerificationStrategy::OAuth`] and [`VerificationStrategy::FromOAuth`] with the full value.
    pub enum VerificationStrategy {
        /// A code sent by SMS.
        PhoneCode = "phone_code",
        /// A code sent by email.
        EmailCode = "email_code",
        /// A password-reset code sent by email.
        ResetPasswordEmailCode = "reset_password_email_code",
        /// A password-reset code sent by SMS.
        ResetPasswordPhoneCode = "reset_password_phone_code",
        /// Marked verified by an administrator or the Backend API.
        Admin = "admin",
        /// An invitation or sign-in ticket.
        Ticket = "ticket",
        /// SAML single sign-on.
        Saml = "saml",
        /// A magic link sent by email.
        EmailLink = "email_link",
        /// Provisioned by a SCIM directory.
        Scim = "scim",
        /// A WebAuthn passkey.
        Passkey = "passkey",
        /// Google One Tap.
        GoogleOneTap = "google_one_tap",
        /// A MetaMask signature.
        Web3MetamaskSignature = "web3_metamask_signature",
        /// A Base wallet signature.
        Web3BaseSignature = "web3_base_signature",
        /// A Coinbase Wallet signature.
        Web3CoinbaseWalletSignature = "web3_coinbase_wallet_signature",
        /// An OKX Wallet signature.
        Web3OkxWalletSignature = "web3_okx_wallet_signature",
        /// A Solana wallet signature.
        Web3SolanaSignature = "web3_solana_signature",
    }
    families {
        /// Verified through OAuth at the provider an email came from (`from_oauth_<provider>`).
        FromOAuth(prefix "from_oauth_"),
        /// An OAuth sign-in (`oauth_<provider>`), full value kept.
        OAuth(prefix "oauth_"),
    }
}

impl VerificationStrategy {
    /// The provider part of an OAuth strategy: `google` for `oauth_google`,
    /// `from_oauth_google`, `oauth_token_google` and `oauth_custom_google`.
    pub fn oauth_provider(&self) -> Option<&str> {
        let rest = match self {
            Self::OAuth(full) => full.strip_prefix("oauth_"),
            Self::FromOAuth(full) => full.strip_prefix("from_oauth_"),
            _ => None,
        }?;
        Some(
            rest.strip_prefix("token_")
                .or_else(|| rest.strip_prefix("custom_"))
                .unwrap_or(rest),
        )
    }
}

open_enum! {
    /// The OAuth provider behind an external account (`external_account.provider`).
    pub enum OAuthProvider {
        /// Google.
        Google = "oauth_google",
        /// GitHub.
        Github = "oauth_github",
        /// Microsoft.
        Microsoft = "oauth_microsoft",
        /// Apple.
        Apple = "oauth_apple",
        /// Facebook.
        Facebook = "oauth_facebook",
        /// Discord.
        Discord = "oauth_discord",
        /// GitLab.
        Gitlab = "oauth_gitlab",
        /// LinkedIn (OpenID Connect).
        LinkedinOidc = "oauth_linkedin_oidc",
        /// LinkedIn (legacy).
        Linkedin = "oauth_linkedin",
        /// X, formerly Twitter.
        X = "oauth_x",
        /// Twitter (legacy).
        Twitter = "oauth_twitter",
        /// Slack.
        Slack = "oauth_slack",
        /// Twitch.
        Twitch = "oauth_twitch",
        /// TikTok.
        Tiktok = "oauth_tiktok",
        /// Bitbucket.
        Bitbucket = "oauth_bitbucket",
        /// Dropbox.
        Dropbox = "oauth_dropbox",
        /// Spotify.
        Spotify = "oauth_spotify",
        /// Notion.
        Notion = "oauth_notion",
        /// HubSpot.
        Hubspot = "oauth_hubspot",
        /// Atlassian.
        Atlassian = "oauth_atlassian",
        /// Coinbase.
        Coinbase = "oauth_coinbase",
        /// LINE.
        Line = "oauth_line",
        /// Instagram.
        Instagram = "oauth_instagram",
        /// Hugging Face.
        Huggingface = "oauth_huggingface",
        /// Xero.
        Xero = "oauth_xero",
        /// Box.
        Box = "oauth_box",
        /// Enstall.
        Enstall = "oauth_enstall",
    }
    families {
        /// A custom OAuth provider configured on the instance (`oauth_custom_<name>`).
        Custom(prefix "oauth_custom_"),
    }
}

open_enum! {
    /// The kind of object an external account is (`external_account.object`).
    pub enum ExternalAccountObject {
        /// The current value.
        ExternalAccount = "external_account",
        /// A legacy value for Facebook accounts.
        FacebookAccount = "facebook_account",
        /// A legacy value for Google accounts.
        GoogleAccount = "google_account",
    }
}

open_enum! {
    /// The protocol an enterprise account signs in with (`enterprise_account.protocol`).
    pub enum EnterpriseProtocol {
        /// OpenID Connect / OAuth.
        Oauth = "oauth",
        /// SAML.
        Saml = "saml",
    }
}
