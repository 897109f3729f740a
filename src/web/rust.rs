pub struct Client;
pub struct ClientOptions;
pub struct WaitOptions;
