//! A TCP proxy between the server and its database that a test can cut: every connection
//! through it is dropped at once and new ones are refused until it is restored, or it cuts
//! itself when the server sends a chosen statement (mid-transaction).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// When the proxy cuts itself: on the first packet from the server holding `pattern`, before or
/// after passing it on.
#[derive(Clone)]
pub struct Trigger {
    pub pattern: Vec<u8>,
    pub pass_it_on: bool,
}

#[derive(Default)]
struct Shared {
    down: AtomicBool,
    trigger: Mutex<Option<Trigger>>,
    pumps: Mutex<Vec<AbortHandle>>,
}

impl Shared {
    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for pump in self.pumps.lock().unwrap().drain(..) {
            pump.abort();
        }
    }
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: AbortHandle,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (host:port) on a free local port.
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accepting.down.load(Ordering::SeqCst) {
                    continue; // dropped: the database "refuses"
                }
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let to_server = tokio::spawn(pump(client_read, server_write, Some(accepting.clone())));
                let to_client = tokio::spawn(pump(server_read, client_write, None));
                accepting.pumps.lock().unwrap().extend([to_server.abort_handle(), to_client.abort_handle()]);
            }
        })
        .abort_handle();
        Self { addr, shared, accept }
    }

    /// The database URL `url` with its host and port replaced by the proxy's, in plain text
    /// (`sslmode=disable`, last so it wins): the proxy cuts on the statements it reads, which
    /// TLS would hide from it.
    pub fn url_through(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@")).unwrap_or_default();
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{scheme}://{user}{}/{path}{separator}sslmode=disable", self.addr)
    }

    /// The upstream `host:port` of a database URL.
    pub fn upstream_of(url: &str) -> String {
        let rest = url.split_once("://").expect("a URL").1;
        let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
        authority.rsplit_once('@').map_or(authority, |(_, host)| host).to_owned()
    }

    /// Drops every connection through the proxy and refuses new ones.
    pub fn cut(&self) {
        self.shared.cut();
    }

    /// Cuts the proxy when the server next sends `trigger.pattern`.
    pub fn cut_on(&self, trigger: Trigger) {
        *self.shared.trigger.lock().unwrap() = Some(trigger);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        *self.shared.trigger.lock().unwrap() = None;
        self.shared.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.cut();
    }
}

/// Copies bytes one way; on the server-bound side, watches for the trigger.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    watch: Option<Arc<Shared>>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let Ok(n) = from.read(&mut buffer).await else { return };
        if n == 0 {
            return;
        }
        let packet = &buffer[..n];
        let fired = watch.as_ref().and_then(|shared| {
            let trigger = shared.trigger.lock().unwrap().clone()?;
            packet.windows(trigger.pattern.len()).any(|w| w == trigger.pattern).then_some((shared, trigger))
        });
        if let Some((shared, trigger)) = fired {
            if trigger.pass_it_on {
                let _ = to.write_all(packet).await;
                let _ = to.flush().await;
                // Let the statement run before the connection drops.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            shared.cut();
            return;
        }
        if to.write_all(packet).await.is_err() {
            return;
        }
    }
}
