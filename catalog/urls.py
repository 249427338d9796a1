from rest_framework.routers import SimpleRouter

from catalog import views

router = SimpleRouter()
router.register("genres", views.GenreViewSet, basename="genre")
router.register("artists", views.ArtistViewSet, basename="artist")
router.register("albums", views.AlbumViewSet, basename="album")
router.register("tracks", views.TrackViewSet, basename="track")

urlpatterns = router.urls
