//! DataLoaders for relations, one set per request and viewer, so a page of records loads each
//! relation in one scoped query instead of one per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::village;
use sea_orm::{ColumnTrait, DbErr, QueryFilter};
use uuid::Uuid;

use super::ids::{self, Kind};
use super::org::Village;
use crate::AppState;
use crate::access::resource::Villages;
use crate::auth::Viewer;

/// The per-request loaders, put into the request data by the HTTP layer.
pub struct Loaders {
    pub villages: DataLoader<VillageLoader>,
}

impl Loaders {
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Self {
        Self {
            villages: DataLoader::new(VillageLoader { state, viewer }, tokio::spawn),
        }
    }
}

/// Villages by id, within the viewer's village scope.
pub struct VillageLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl Loader<Uuid> for VillageLoader {
    type Value = Village;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Village>, Self::Error> {
        let Ok(select) = self.state.access.select::<Villages>(&self.viewer) else {
            return Ok(HashMap::new());
        };
        let rows = select
            .filter(village::Column::Id.is_in(keys.iter().copied()))
            .all(&self.state.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|v| {
                (
                    v.id,
                    Village {
                        id: ids::encode(Kind::Village, v.id),
                        name: v.name,
                    },
                )
            })
            .collect())
    }
}
