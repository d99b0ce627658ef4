//! Accepting and serving connections, with the limits a server reachable by others needs: at
//! most `max_connections` at once (below the file-descriptor limit, so `accept` never starves),
//! the longest-idle connection closed to make room for a new one, a deadline for a request's
//! headers that also closes connections idle between requests (slowloris), and graceful
//! shutdown that lets requests in flight finish.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt as _;

use crate::tls_session::TlsSession;

/// File descriptors kept free for the store, blobs, delivery and the listener itself.
const RESERVED_FDS: u64 = 128;
/// Most connections when the file-descriptor limit does not bound them lower.
const DEFAULT_MAX_CONNECTIONS: usize = 16_384;
/// How long a full server waits for room after asking an idle connection to close.
const ROOM_WAIT: Duration = Duration::from_secs(2);
/// Most headers in one request: S3 user metadata and long signed-header lists exceed hyper's
/// default of 100.
const MAX_HEADERS: usize = 512;
/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(30);

/// Limits applied to every connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most connections at once.
    pub max_connections: usize,
    /// Deadline for a request's headers, and for the next request on an idle connection.
    pub header_timeout: Duration,
}

impl Limits {
    /// `configured`, or what the file-descriptor limit leaves after the reserve.
    pub fn max_connections(configured: Option<usize>) -> usize {
        if let Some(max) = configured {
            return max.max(1);
        }
        // Use the hard limit when the soft one is lower: a server wants every descriptor.
        let soft = rlimit::increase_nofile_limit(u64::MAX)
            .or_else(|_| rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft))
            .unwrap_or(1024);
        let room = soft.saturating_sub(RESERVED_FDS).max(16);
        usize::try_from(room)
            .unwrap_or(usize::MAX)
            .min(DEFAULT_MAX_CONNECTIONS)
    }
}

/// A live connection, as the accept loop sees it.
struct Live {
    /// Requests being answered on it.
    in_flight: Arc<AtomicUsize>,
    /// Asks the connection to close once idle.
    close: Arc<Notify>,
}

/// Every live connection by accept order (oldest first).
#[derive(Default)]
struct Registry {
    next: AtomicUsize,
    live: Mutex<BTreeMap<usize, Live>>,
}

impl Registry {
    fn add(&self, live: Live) -> usize {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, live);
        id
    }

    fn remove(&self, id: usize) {
        self.lock().remove(&id);
    }

    /// Asks the oldest connection with no request in flight to close; whether there was one.
    fn close_oldest_idle(&self) -> bool {
        let live = self.lock();
        let idle = live
            .values()
            .find(|c| c.in_flight.load(Ordering::SeqCst) == 0);
        if let Some(conn) = idle {
            conn.close.notify_one();
        }
        idle.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Live>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of descriptors (or another passing failure): free one, then try again.
                tracing::warn!(error = %err, "accept failed");
                registry.close_oldest_idle();
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                registry.close_oldest_idle();
                match tokio::time::timeout(ROOM_WAIT, slots.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => {
                        tracing::warn!(%peer, "connection refused: every connection is busy");
                        continue;
                    }
                }
            }
        };
        let live = Live {
            in_flight: Arc::new(AtomicUsize::new(0)),
            close: Arc::new(Notify::new()),
        };
        let conn = Connection {
            in_flight: live.in_flight.clone(),
            close: live.close.clone(),
            stop: stop_rx.clone(),
            limits,
        };
        let id = registry.add(live);
        let (router, registry, tls) = (router.clone(), registry.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => conn.run(stream, peer, None, router).await,
                Some(acceptor) => {
                    // The handshake has the headers' deadline, so a silent client cannot hold
                    // the slot.
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(limits.header_timeout, handshake).await {
                        Ok(Ok(stream)) => {
                            let session = TlsSession::of(stream.get_ref().1);
                            conn.run(stream, peer, session, router).await
                        }
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, error = %err, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
            registry.remove(id);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot until it ends: all slots back means all ended.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(DRAIN, slots.acquire_many(all)).await;
    if drained.is_err() {
        tracing::warn!("shutdown: connections still open after {DRAIN:?}");
    }
}

/// One connection's task.
struct Connection {
    in_flight: Arc<AtomicUsize>,
    close: Arc<Notify>,
    stop: watch::Receiver<bool>,
    limits: Limits,
}

impl Connection {
    async fn run<S>(mut self, stream: S, peer: SocketAddr, tls: Option<TlsSession>, router: Router)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let in_flight = self.in_flight.clone();
        let service = router
            .map_request(move |mut request: http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                if let Some(session) = &tls {
                    request.extensions_mut().insert(session.clone());
                }
                request
            })
            .map_future(move |future| {
                let guard = InFlight::enter(in_flight.clone());
                async move {
                    let response = future.await;
                    drop(guard);
                    response
                }
            });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            // A signed request may carry many signed headers (hyper allows 100 by default).
            .max_headers(MAX_HEADERS)
            .keep_alive(true);
        let conn =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        tokio::pin!(conn);
        let mut closing = false;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(%peer, error = %err, "connection ended");
                    }
                    return;
                }
                () = self.close.notified(), if !closing => {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
                changed = self.stop.changed(), if !closing => {
                    if changed.is_err() || *self.stop.borrow() {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// Counts a request in flight on its connection until dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(counter: Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
