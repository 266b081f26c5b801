//! GraphiQL works on a town's intranet: the page and everything it loads come from pingan
//! itself, never from another origin.

use pingan_tests::TestApp;

/// Every `src="…"` and `href="…"` of a page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("a closed attribute");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

#[tokio::test]
async fn graphiql_and_every_asset_it_references_come_from_the_same_origin() {
    let app = TestApp::spawn_with(|config| config.playground = true).await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    let assets = references(&html);
    assert!(assets.len() >= 4, "{assets:?}");
    for asset in assets {
        assert!(asset.starts_with('/') && !asset.starts_with("//"), "{asset} is not on this origin");
        let response = app.client.get(app.url(&asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let body = response.text().await.unwrap();
        assert!(!body.is_empty(), "{asset}");
        // Stylesheets load nothing from elsewhere either (their fonts are inline).
        if asset.ends_with(".css") {
            for (i, _) in body.match_indices("url(") {
                let target = body[i + 4..].trim_start_matches(['"', '\'']);
                assert!(target.starts_with("data:"), "{asset} loads {}", &target[..40.min(target.len())]);
            }
        }
    }
}

#[tokio::test]
async fn without_the_playground_neither_the_page_nor_its_assets_are_served() {
    let app = TestApp::spawn().await;
    for path in ["/graphql", "/graphiql/graphiql.min.js", "/graphiql/start.js"] {
        assert_eq!(app.client.get(app.url(path)).send().await.unwrap().status(), 404, "{path}");
    }
}
