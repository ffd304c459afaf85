//! `/monitor`: disks, traffic and activity as SVG charts, refreshed every 10 seconds.

use crate::api::monitor::get_monitor;
use crate::components::session::RequireUser;
use domain::format;
use domain::monitor::{Filesystem, MonitorReport, Point};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

#[component]
pub fn MonitorPage() -> impl IntoView {
    view! {
        <Title text="Server monitor" />
        <RequireUser render=|_| view! { <Monitor /> } />
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Window {
    Hour,
    Day,
    Month,
}

#[component]
fn Monitor() -> impl IntoView {
    let (tick, set_tick) = signal(0u32);
    // Polling, in the browser only.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(move || set_tick.update(|t| *t += 1), REFRESH).ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    let report = Resource::new(move || tick.get(), |_| get_monitor());
    let (window, set_window) = signal(Window::Hour);

    view! {
        <section class="card monitor">
            <h1>"Server monitor"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => Either::Left(view! { <Figures report=r window=window set_window=set_window /> }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Figures(
    report: MonitorReport,
    window: ReadSignal<Window>,
    set_window: WriteSignal<Window>,
) -> impl IntoView {
    let storage = report.storage.unwrap_or_else(|| domain::monitor::Storage {
        filesystems: vec![],
        libraries: vec![],
        warning: None,
    });
    let any_bucket = storage.libraries.iter().any(|l| l.bucket.is_some());
    let traffic = report.traffic;
    let activity = report.activity.unwrap_or_default();
    // The administrator sees the server processes; one alone says nothing worth a table.
    let instances = report.instances.filter(|list| list.len() > 1);
    view! {
        {storage.warning.clone().map(|w| view! { <p class="banner warning" role="alert">{w}</p> })}
        <h2>"Disks"</h2>
        <div class="gauges">
            {storage.filesystems.iter().map(|fs| view! { <Gauge fs=fs.clone() /> }).collect_view()}
        </div>
        <table class="library-sizes">
            <thead><tr>
                <th scope="col">"Library"</th><th scope="col">"Movies"</th><th scope="col">"Files"</th><th scope="col">"Size"</th>
                {any_bucket.then(|| view! { <th scope="col">"In its bucket"</th> })}
            </tr></thead>
            <tbody>
                {storage.libraries.iter().map(|l| {
                    // What the store holds, for libraries in buckets (a column only they need).
                    let bucket = any_bucket.then(|| match &l.bucket {
                        None => "—".to_owned(),
                        Some(b) if !b.reachable => "cannot be reached".to_owned(),
                        Some(b) => format!("{} in {} object(s)", format::size(b.bytes), b.objects),
                    });
                    view! {
                        <tr>
                            <td>{l.name.clone()}</td><td>{l.movies}</td><td>{l.files}</td><td>{format::size(l.bytes)}</td>
                            {bucket.map(|b| view! { <td>{b}</td> })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <h2>"Now"</h2>
        <p class="activity">
            {format!("{} stream(s) playing, {} upload chunk(s) arriving, {} unfinished upload(s).", activity.streams, activity.uploads, activity.unfinished_uploads)}
        </p>
        {instances.map(|list| view! {
            <h2>"Servers"</h2>
            <table class="instances">
                <thead><tr><th scope="col">"Address"</th><th scope="col">"Version"</th><th scope="col">"Running since"</th><th scope="col">"Streams"</th><th scope="col">"Upload chunks"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|i| view! {
                        <tr>
                            <td>{i.address}{i.current.then_some(" (this one)")}</td>
                            <td>{i.version}</td>
                            <td><time datetime=i.started.clone()>{i.started.get(..16).unwrap_or_default().replace('T', " ")}" UTC"</time></td>
                            <td>{i.streams}</td>
                            <td>{i.uploads}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {traffic.map(|t| {
            let totals = format!(
                "Since the server started: {} received, {} sent.",
                format::size(t.received_since_start),
                format::size(t.sent_since_start)
            );
            view! {
                <h2>"Traffic"</h2>
                <p class="hint">{totals}</p>
                <div class="window-buttons" role="group" aria-label="Time span">
                    {[(Window::Hour, "Last hour"), (Window::Day, "Last day"), (Window::Month, "Last 30 days")].into_iter().map(|(w, label)| view! {
                        <button type="button" class="button-quiet small" aria-pressed=move || (window.get() == w).to_string()
                            on:click=move |_| set_window.set(w)>{label}</button>
                    }).collect_view()}
                </div>
                {move || {
                    let points = match window.get() {
                        Window::Hour => t.last_hour.clone(),
                        Window::Day => t.last_day.clone(),
                        Window::Month => t.last_30_days.clone(),
                    };
                    view! { <TrafficChart points=points /> }
                }}
            }
        })}
    }
}

/// A bar showing how full a disk is.
#[component]
fn Gauge(fs: Filesystem) -> impl IntoView {
    // Filled up to what the server can no longer write (space reserved for root included).
    let share = if fs.total == 0 {
        0.0
    } else {
        1.0 - fs.free as f64 / fs.total as f64
    };
    let label = format!(
        "{}: {} used of {}, {} free",
        fs.path,
        format::size(fs.used),
        format::size(fs.total),
        format::size(fs.free)
    );
    let width = format!("{:.1}", (share * 100.0).clamp(0.0, 100.0));
    view! {
        <figure class="gauge">
            <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label=label.clone()>
                <rect x="0" y="0" width="100" height="8" rx="2" class="gauge-track" />
                <rect x="0" y="0" width=width height="8" rx="2" class=if fs.low { "gauge-fill low" } else { "gauge-fill" } />
            </svg>
            <figcaption>{label}</figcaption>
        </figure>
    }
}

/// Received and sent per interval, as two lines over the same scale.
#[component]
fn TrafficChart(points: Vec<Point>) -> impl IntoView {
    let top = points
        .iter()
        .map(|p| p.received.max(p.sent))
        .max()
        .unwrap_or(0)
        .max(1);
    let n = points.len().max(2) - 1;
    let line = |pick: fn(&Point) -> u64| -> String {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let x = i as f64 * 300.0 / n as f64;
                let y = 100.0 - pick(p) as f64 * 95.0 / top as f64;
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let received: u64 = points.iter().map(|p| p.received).sum();
    let sent: u64 = points.iter().map(|p| p.sent).sum();
    let label = format!(
        "Traffic: {} received and {} sent in this span; the highest point is {}.",
        format::size(received),
        format::size(sent),
        format::size(top)
    );
    view! {
        <figure class="traffic-chart">
            <svg viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label=label.clone()>
                <polyline points=line(|p| p.received) class="line-received" fill="none" />
                <polyline points=line(|p| p.sent) class="line-sent" fill="none" />
            </svg>
            <figcaption>
                <span class="key-received">"● received"</span> " " <span class="key-sent">"● sent"</span>
                " — " {label}
            </figcaption>
        </figure>
    }
}
